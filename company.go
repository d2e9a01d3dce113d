package connectors

import "time"

// DefaultCompanyID is the company that exists from the start and receives
// events that name no company.
const DefaultCompanyID int64 = 1

// Company owns events, tokens and operators. Operators see only the events
// of their companies.
type Company struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}
