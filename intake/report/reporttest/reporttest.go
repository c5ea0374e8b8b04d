// Package reporttest writes realistic report data for benchmarks and size
// measurements: a day of petitions at a given volume, each assigned,
// contacted, resolved and rated like the offices' published figures, through
// the same batches the conversation commit writes.
package reporttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/minsheng/minsheng/intake"
	"github.com/minsheng/minsheng/intake/report"
	"github.com/redis/go-redis/v9"
)

// Shape is the deployment a day is generated for.
type Shape struct {
	Officials, Units, Categories int
}

// Bozhou is a city of the seeds: 81 leaders' numbers, about 50 units, the
// 15 first-level categories.
var Bozhou = Shape{Officials: 81, Units: 50, Categories: 15}

// WriteDay writes n petitions received on day (and, for most, their
// statuses and rating) through rec, pipelining the batches. It returns the
// petition ids.
func WriteDay(ctx context.Context, rdb redis.UniversalClient, rec *report.Recorder, day time.Time, n int, shape Shape, seed uint64) ([]string, error) {
	r := rand.New(rand.NewPCG(seed, uint64(day.Unix())))
	ids := make([]string, 0, n)
	if err := report.ApplyScript.Load(ctx, rdb).Err(); err != nil {
		return nil, fmt.Errorf("load the report script: %w", err)
	}
	pipe := rdb.Pipeline()
	flush := func() error {
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("write a day: %w", err)
		}
		return nil
	}
	for i := 0; i < n; i++ {
		at := day.Add(6*time.Hour + time.Duration(r.IntN(17*3600))*time.Second)
		id := intake.PetitionID(day, i%report.Shards, int64(i+1))
		cat := r.IntN(shape.Categories)
		p := &intake.Petition{ID: id, ReceivedAt: at, Channel: []string{"sms", "sms", "sms", "telegram", "voice"}[r.IntN(5)],
			Citizen:     intake.Citizen{Phone: fmt.Sprintf("+86139%08d", r.IntN(100000000))},
			AddressedTo: intake.Addressee{Number: fmt.Sprintf("+86138000%05d", r.IntN(shape.Officials))},
			Description: "谯城区汤陵街道某某小区3号楼门口的路灯坏了一个月了，晚上很黑，老人孩子出门不方便",
			Category:    intake.Category{Code: fmt.Sprintf("c%02d", cat), Name: "城乡建设"}, Urgency: intake.UrgencyNormal,
			Deadlines: intake.Deadlines{AssignBy: at.Add(24 * time.Hour), ContactBy: at.Add(72 * time.Hour), ResolveBy: at.Add(7 * 24 * time.Hour)}}
		if r.IntN(10) == 0 {
			p.Urgency = intake.UrgencyUrgent
		}
		if r.IntN(12) == 0 {
			p.DuplicateOf = id
		}
		if r.IntN(20) == 0 {
			p.Flags = []string{intake.FlagIncomplete}
		}
		unit := fmt.Sprintf("单位%02d", r.IntN(shape.Units))
		ids = append(ids, id)
		b, err := rec.BatchFor(id)
		if err != nil {
			return nil, err
		}
		b.Message(at, p.Channel, p.AddressedTo.Number)
		b.Petition(p, time.Duration(r.IntN(30))*time.Second)
		t := at
		for _, s := range []string{intake.StatusAssigned, intake.StatusContacted, intake.StatusResolved} {
			if r.IntN(10) == 0 {
				break
			}
			t = t.Add(time.Duration(1+r.IntN(60)) * time.Hour)
			b.Status(id, intake.StatusEvent{Status: s, Unit: unit, At: t}, "", s == intake.StatusResolved)
			if s == intake.StatusResolved {
				rating := []string{intake.RatingSatisfied, intake.RatingSatisfied, intake.RatingSatisfied, intake.RatingUnderstood, intake.RatingUnsatisfied, ""}[r.IntN(6)]
				b.Rating(&intake.Rating{PetitionID: id, Rating: rating, Comment: "还是没有修好，晚上很黑", At: t.Add(3 * time.Hour)}, "")
			}
		}
		keys, args := b.Encode()
		report.ApplyScript.EvalSha(ctx, pipe, keys, args...)
		if pipe.Len() >= 200 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	return ids, flush()
}
