package bot

import (
	"sync"

	"github.com/minsheng/minsheng/intake/queue"
)

// idMarks remembers the highest petition counter this process reserved (or
// was told of) per day and shard. It is the process's own memory of the ids
// it issued: if the store loses its counters while the process runs (a
// flush, a failover to an empty replica), the next reservation still starts
// above them (see intake/id.go for the rest of the argument).
type idMarks struct {
	mu   sync.Mutex
	days map[string]*[queue.Shards]int64
}

func newIDMarks() *idMarks { return &idMarks{days: map[string]*[queue.Shards]int64{}} }

// next is the lowest counter that is above every mark of day and shard.
func (m *idMarks) next(day string, shard int) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.days[day]; d != nil {
		return d[shard] + 1
	}
	return 0
}

// note records that counter n of day and shard is taken. Only the two
// newest days are kept: reservations are for the current day.
func (m *idMarks) note(day string, shard int, n int64) {
	if shard < 0 || shard >= queue.Shards {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.days[day]
	if d == nil {
		d = new([queue.Shards]int64)
		m.days[day] = d
		for k := range m.days {
			if len(m.days) > 2 && k < day {
				delete(m.days, k)
			}
		}
	}
	d[shard] = max(d[shard], n)
}
