package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipai-ai/ipai-connectors/postgres/pgtest"
)

// pgServer is a PostgreSQL server of the test's own: its own data
// directory and port, so that stopping it disturbs nothing else.
type pgServer struct {
	bin  string // the directory of initdb and pg_ctl
	dir  string // owned by the server's OS user: data, socket and log
	port int
}

// startPGServer makes a new cluster and starts it. It is skipped, like
// every PostgreSQL test, when the test database URL is unset, and fails
// when the server binaries cannot be found.
func startPGServer(t *testing.T) *pgServer {
	t.Helper()
	pgtest.BaseURL(t)
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		t.Fatal("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
	}
	// t.TempDir's parents are private to root; the server's user must
	// reach its directory.
	dir, err := os.MkdirTemp("", "ipai-pg-")
	if err != nil {
		t.Fatalf("data directory: %v", err)
	}
	pg := &pgServer{bin: filepath.Dir(found[0]), dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		pg.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	pg.chownToServerUser(t)

	if out, err := pg.run("initdb", "-D", pg.data(), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.start(t)
	return pg
}

// URL is the server's postgres database.
func (pg *pgServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

func (pg *pgServer) data() string { return filepath.Join(pg.dir, "data") }

// start starts the server and waits until it takes connections.
func (pg *pgServer) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", pg.port, pg.dir)
	out, err := pg.ctl("start", "-w", "-t", "60", "-l",
		filepath.Join(pg.dir, "log"), "-o", opts)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// crash stops the server at once, without a checkpoint, as a power cut
// or a killed process would: committed work must survive from the WAL.
func (pg *pgServer) crash(t *testing.T) {
	t.Helper()
	if out, err := pg.ctl("stop", "-w", "-m", "immediate"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (pg *pgServer) ctl(args ...string) ([]byte, error) {
	return pg.run("pg_ctl", append([]string{"-D", pg.data()}, args...)...)
}

// run runs a server program, as the postgres OS user when the test runs
// as root, since the server refuses to run as root.
func (pg *pgServer) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(pg.bin, name)
	cmd := exec.Command(path, args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return cmd.CombinedOutput()
}

func (pg *pgServer) chownToServerUser(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root needs a postgres OS user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(pg.dir, uid, gid); err != nil {
		t.Fatalf("chown %s: %v", pg.dir, err)
	}
}

// freePort returns a port of loopback that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
