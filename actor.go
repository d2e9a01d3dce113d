package connectors

import "strings"

// Actor names who made a state move or an operator action: "system",
// "worker:ID", "consumer:NAME" or "user:NAME".
type Actor string

// The actor kinds.
const (
	ActorSystem   Actor = "system"
	actorWorker         = "worker"
	actorConsumer       = "consumer"
	actorUser           = "user"
)

// UserActor is the actor for an operator, by login or e-mail.
func UserActor(name string) Actor { return Actor(actorUser + ":" + name) }

// WorkerActor is the actor for a processing worker.
func WorkerActor(id string) Actor { return Actor(actorWorker + ":" + id) }

// ConsumerActor is the actor for an external consumer claiming events.
func ConsumerActor(name string) Actor { return Actor(actorConsumer + ":" + name) }

// Kind returns the part of the actor before the colon.
func (a Actor) Kind() string {
	kind, _, _ := strings.Cut(string(a), ":")
	return kind
}
