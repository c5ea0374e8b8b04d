package intake

import (
	"context"
	"errors"
	"fmt"
)

// Backend is the office's case system. Every call carries an idempotency key
// that is the same on every retry of the same record, so a backend can drop
// repeats. Errors are retryable unless they wrap ErrPermanent.
type Backend interface {
	// Submit delivers a petition and returns the backend's case id.
	Submit(ctx context.Context, p *Petition, key string) (caseID string, err error)
	// Supplement delivers an addition to a petition already submitted.
	Supplement(ctx context.Context, s *Supplement, key string) error
	// Rate delivers the citizen's survey answer.
	Rate(ctx context.Context, r *Rating, key string) error
}

// ErrPermanent marks a delivery the backend refused for good (a 4xx on bad
// data): retrying cannot help, so the record goes to the dead-letter list.
var ErrPermanent = errors.New("refused by backend")

// PermanentError is a refusal with the backend's answer kept for the dead letter.
type PermanentError struct {
	Status int    // HTTP status, 0 if not HTTP
	Body   string // the response, shortened
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("refused by backend: status %d: %s", e.Status, e.Body)
}

// Unwrap makes errors.Is(err, ErrPermanent) true.
func (e *PermanentError) Unwrap() error { return ErrPermanent }

// ReopenRequester is a backend that takes the office's 复核 requests
// (reopen_requested records). A backend without it refuses them for good,
// so the office sees a dead letter rather than a request lost.
type ReopenRequester interface {
	RequestReopen(ctx context.Context, r *ReopenRequest, key string) error
}
