package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/minsheng/minsheng/config"
	"github.com/minsheng/minsheng/intake/backend/webhook"
	"github.com/minsheng/minsheng/intake/backend/webhook/webhooktest"
	"github.com/minsheng/minsheng/intake/outbox"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
)

// BenchmarkDeliveryToASlowBackend measures petitions delivered per second
// to a webhook backend that takes 1 s to answer each, with the outbox's
// default concurrency (workers.outbox): a slow office system must not
// make the queue one petition a second.
func BenchmarkDeliveryToASlowBackend(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	office := webhooktest.NewFake(b, "hooksecret")
	office.Hold(func(webhooktest.Request) { time.Sleep(time.Second) })
	be, err := webhook.New(webhook.Options{URL: office.URL, Secret: "hooksecret", Client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 128}}})
	if err != nil {
		b.Fatal(err)
	}
	o := outbox.New(rdb, prefix, be, queue.Options{Concurrency: config.Default().Workers.Outbox, Block: 50 * time.Millisecond})
	for i := 0; i < b.N; i++ {
		r := outbox.Record{Type: outbox.TypePetition, Conversation: "sms:+8613912345678", Petition: petition(fmt.Sprintf("MS-20260311-B%04d", i))}
		if err := o.Queue().Enqueue(context.Background(), r.Key(), r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = o.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for office.Taken() < b.N {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("%d of %d delivered after 5 min", office.Taken(), b.N)
		}
		time.Sleep(10 * time.Millisecond) // a benchmark's clock, not a test's wait
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "petitions/s")
}
