package outbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// reopenBackend takes 复核 requests too.
type reopenBackend struct {
	recordingBackend
	mu      sync.Mutex
	reopens []string
}

func (b *reopenBackend) RequestReopen(_ context.Context, r *intake.ReopenRequest, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reopens = append(b.reopens, r.CaseID+" "+r.Reason+" "+key)
	return nil
}

// A 复核 request goes after its petition, with the case id the backend
// gave; a backend that takes none parks it as a dead letter saying so.
func TestReopenRequestReachesTheBackendOrIsADeadLetter(t *testing.T) {
	for _, takes := range []bool{true, false} {
		rdb, prefix := redistest.Client(t)
		var be intake.Backend = &recordingBackend{}
		rb := &reopenBackend{}
		if takes {
			be = rb
		}
		o := outbox.New(rdb, prefix, be, fast())
		id := "MS-20260311-RRRRR"
		enqueue(t, o, outbox.Record{Type: outbox.TypeReopen, Conversation: "sms:+86139",
			Reopen: &intake.ReopenRequest{PetitionID: id, Reason: "路灯还是不亮", RequestedBy: "office", At: time.Now()}})
		enqueue(t, o, outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+86139", Petition: petition(id)})
		start(t, o)
		testwait.For(t, "drained", func() bool { st, _ := o.Queue().Stats(context.Background()); return st.Empty() || st.Dead > 0 })
		st, _ := o.Queue().Stats(context.Background())
		if takes {
			testwait.For(t, "the reopen request", func() bool { rb.mu.Lock(); defer rb.mu.Unlock(); return len(rb.reopens) == 1 })
			if r := rb.reopens[0]; !strings.HasPrefix(r, "CASE-"+id+" 路灯还是不亮 "+id+"/reopen/") {
				t.Errorf("reopen %q", r)
			}
			if st.Dead != 0 {
				t.Errorf("dead letters: %+v", st)
			}
			continue
		}
		if st.Dead != 1 {
			t.Errorf("a backend without 复核: %+v, want one dead letter", st)
		}
	}
}
