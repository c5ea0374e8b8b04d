package bot

import (
	"testing"
	"time"

	"github.com/minsheng/minsheng/dialog"
	"github.com/minsheng/minsheng/intake"
)

// benchRecord is a conversation's record as it stands after a citizen's
// first message and the bot's question: what most stored records look like.
func benchRecord() *record {
	at := time.Date(2026, 11, 30, 17, 57, 6, 930746927, time.FixedZone("CST", 8*3600))
	var rec record
	rec.Reply = Address{Channel: "sms", To: "+8613912345678", From: "+8613800000001"}
	rec.Official = "+8613800000001"
	rec.Seq = 1
	rec.Dialog.Draft = &dialog.Draft{
		ID: "MS-20261130-KSTG2", OpenedAt: at, LastAt: at,
		Texts: []string{"幸福小区门口的路灯坏了一个星期了，晚上很黑，老人孩子出门不安全，请尽快修理"},
		Turns: []intake.Turn{
			{At: at, From: "citizen", Text: "幸福小区门口的路灯坏了一个星期了，晚上很黑，老人孩子出门不安全，请尽快修理"},
			{At: at, From: "bot", Text: "请问具体在什么地方？请回复区县、街道、小区或路名。"},
		},
		Awaiting: "where",
	}
	return &rec
}

// BenchmarkRecordEncode is the cost of storing a record (every dialog step
// and every outbound message pays it once).
func BenchmarkRecordEncode(b *testing.B) {
	rec := benchRecord()
	var size int
	b.ReportAllocs()
	for b.Loop() {
		out, err := encodeRecord(rec)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "stored-B")
}

// BenchmarkRecordDecode is the cost of reading one back.
func BenchmarkRecordDecode(b *testing.B) {
	stored, err := encodeRecord(benchRecord())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var rec record
		if err := decodeRecord(string(stored), &rec); err != nil {
			b.Fatal(err)
		}
	}
}
