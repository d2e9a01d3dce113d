package postgres

import (
	"context"
	"database/sql"
	"fmt"
)

// claimKeysSQL takes the delivery keys of a batch for its events. A key
// held already, by a committed event or by one earlier in the batch, is
// skipped; a key held by a transaction still open elsewhere makes this
// wait for that transaction, then skip or take the key.
const claimKeysSQL = `
INSERT INTO event_delivery_keys (company_id, source, delivery_key, event_id)
SELECT *
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
ON CONFLICT DO NOTHING
RETURNING event_id`

// claimKeys takes the delivery keys of the rows that carry one, after
// their ids are set. It marks each row whose key was held as a
// duplicate, with the holder's id, and returns the rows to insert.
func claimKeys(ctx context.Context, tx *sql.Tx, rows []*eventRow) (
	[]*eventRow, error) {
	var companies, ids []int64
	var sources, keys []string
	for _, r := range rows {
		r.duplicate = false // a retried batch runs this again
		if r.DeliveryKey == "" {
			continue
		}
		companies = append(companies, r.CompanyID)
		sources = append(sources, string(r.Source))
		keys = append(keys, r.DeliveryKey)
		ids = append(ids, r.id)
	}
	if len(keys) == 0 {
		return rows, nil
	}
	taken, err := claimed(ctx, tx, companies, sources, keys, ids)
	if err != nil {
		return nil, err
	}

	insert := make([]*eventRow, 0, len(rows))
	for _, r := range rows {
		if r.DeliveryKey == "" || taken[r.id] {
			insert = append(insert, r)
			continue
		}
		r.duplicate = true
		if err := findHolder(ctx, tx, r); err != nil {
			return nil, err
		}
	}
	return insert, nil
}

// claimed runs claimKeysSQL and returns the event ids whose key it took.
func claimed(ctx context.Context, tx *sql.Tx, companies []int64,
	sources, keys []string, ids []int64) (map[int64]bool, error) {
	res, err := tx.QueryContext(ctx, claimKeysSQL, companies, sources, keys, ids)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	taken := make(map[int64]bool, len(ids))
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return nil, err
		}
		taken[id] = true
	}
	return taken, res.Err()
}

// findHolder sets r's id to that of the event that holds its key.
func findHolder(ctx context.Context, tx *sql.Tx, r *eventRow) error {
	err := tx.QueryRowContext(ctx, `
SELECT event_id
FROM event_delivery_keys
WHERE company_id = $1
  AND source = $2
  AND delivery_key = $3`, r.CompanyID, string(r.Source), r.DeliveryKey,
	).Scan(&r.id)
	if err != nil {
		return fmt.Errorf("find the event holding a delivery key: %w", err)
	}
	return nil
}
