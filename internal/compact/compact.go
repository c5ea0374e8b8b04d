// Package compact keeps small JSON values compactly for Redis, where they
// are stored by the thousand: deflated against a preset dictionary of what
// they repeat (field names, the bot's own questions and receipts), behind a
// one-byte version. Plain JSON (earlier versions stored it) reads as it is.
package compact

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// A conversation's record of 700 bytes of JSON takes 150 to 300.
//
// The dictionary of a version never changes: a record written with it must
// stay readable. A better dictionary is a new version byte.
const V1 = 0x01

// dictV1 is version 1's dictionary: the most repeated strings go last
// (deflate finds near matches more cheaply).
var dictV1 = []byte(`"attachments":[{"kind":"image","url":"https://","content_type":"image/jpeg"}],"flags":["incomplete"],"sources":[],"away":{"kind":"busy","until":"2026-01-01T00:00:00+08:00"},"reported_by":{"name":"","telegram_user":0},"preamble":[],"survey":{"petition_id":"MS-2026","sent_at":"2026-01-01T00:00:00+08:00","reminded":true},"held":[{"tpl":"status","text":"","case":"","at":"2026-"}],"cases":[{"id":"MS-2026","case_id":"","at":"2026-01-01T00:00:00+08:00","summary":"","folded":"","category":"","place":"","status":"assigned","status_at":"2026-","unit":"","handler":"","phone":"","rating":"satisfied","history":[{"status":"accepted","at":"2026-","sent":true}]}],"opted_out":true,"silent_until":"2026-","prompt_due":"2026-","name":"","anonymous":true,"telegram_user":` +
	`您好，请直接发送您要反映的问题和具体地点，例如：幸福小区3号楼下水道堵了。请问您要反映什么问题？请简要说明情况。请问具体在什么地方？请回复区县、街道、小区或路名。请问怎么称呼您？不愿留名请回复“匿名”。请问属于哪类问题？回复序号：已收到您的诉求，编号。1个工作日内交办，承办单位3日内联系您。补充请直接回复，查进度回复“查询”。已记录您的诉求，编号。信息不全，工作人员将电话联系您核实。查进度回复“查询”。您反映的问题已登记，编号，正在办理，无需重复反映。有新情况请直接回复补充。已登记诉求（）。未识别，回复本消息补充。该诉求已登记，编号，无需重复转发。您好，我是，正在开会，会后联系您。请先短信说明什么事、在哪里。您好，我是，现在是下班时间，上班后联系您。请先短信说明什么事、在哪里。领导正在开会，会后联系您。已收到您的诉求，编号，1个工作日内交办。现在是下班时间，上班后联系您。已收到您的诉求，编号，1个工作日内交办。您好，刚才未能接听您的来电，稍后联系您。请先短信说明什么事、在哪里。已补充到诉求，谢谢。您的诉求：；回复“查询 编号”看详情。诉求：，承办单位，电话。您还没有提交过诉求。请直接发送您要反映的问题和地点。没有找到诉求，请核对编号，或回复“查询”看您的诉求。已取消您尚未提交的诉求。需要时请重新发送问题和地点。您没有尚未提交的诉求。已提交的诉求如需撤回，请回复“人工”。已转人工，工作人员将尽快给您回电。诉求编号。直接发送问题和地点即可反映诉求。回复：查询-查进度；取消-取消未提交的诉求；人工-请工作人员回电；退订-不收进度短信。已退订，您将不再收到进度和回访短信。回复“订阅”可恢复。已恢复订阅，您将收到诉求进度和回访短信。您的诉求已受理，正在交办。您的诉求已交办理，负责人，电话。诉求：承办单位已与您联系，正在办理。诉求正在办理中：。诉求已重新办理（复核），承办单位将再次与您联系。诉求已办结，感谢您的反映。诉求（）已办结：。请评价，回复：1满意 2理解 3不满意诉求已办结，请回复1满意 2理解 3不满意，您的评价很重要。请回复数字评价诉求：1满意 2理解 3不满意。已记录您的评价：不满意，我们将督促复核。如方便，请回复不满意的原因。感谢您的评价！已记录您的意见，我们将督促承办单位复核并再次联系您。您发送的消息较多，我们已全部记录，稍后统一处理，请勿重复发送。` +
	`{"reply":{"ch":"sms","to":"+86139","from":"+86138"},"official":"+86138","seq":1,"d":{"draft":{"id":"MS-2026","opened_at":"2026-11-30T17:57:06.930746927+08:00","last_at":"2026-11-30T17:57:06.930746927+08:00","reply_due":"2026-","burst_started":"2026-","texts":[""],"turns":[{"at":"2026-11-30T17:57:06+08:00","from":"citizen","text":""},{"at":"2026-11-30T17:57:06+08:00","from":"bot","text":"请问"}],"asked":{"what":1,"where":1},"awaiting":"where","who":{"channel":"sms","citizen":{"phone":"+86139"},"official":{"number":"+86138","name":"","title":""}}}}}`)

var (
	// klauspost's deflate writes the same format as the standard
	// library's (which reads it back) at the same size here, and resets
	// in a third of the time: the standard writer clears 600 KB of tables
	// per record.
	writers = sync.Pool{New: func() any {
		w, err := kflate.NewWriterDict(io.Discard, kflate.DefaultCompression, dictV1)
		if err != nil {
			panic(err) // only for a bad level
		}
		return w
	}}
	readers sync.Pool
)

// minDeflated is the shortest input klauspost's writer compresses (see
// its compressor.storeFast).
const minDeflated = 128

var blanks = bytes.Repeat([]byte{' '}, minDeflated)

// Marshal is v as JSON, deflated against the dictionary. Unmarshal reads
// it back.
func Marshal(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if len(raw) < minDeflated {
		// klauspost stores an input this short as it is, dictionary or
		// not: trailing blanks (JSON reads past them; deflate folds them
		// into one match) make it look in the dictionary.
		raw = append(raw, blanks[:minDeflated-len(raw)]...)
	}
	var b bytes.Buffer
	b.Grow(len(raw)/2 + 16)
	b.WriteByte(V1)
	w := writers.Get().(*kflate.Writer)
	defer writers.Put(w)
	w.Reset(&b)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("deflate: %w", err)
	}
	return b.Bytes(), nil
}

// Unmarshal reads what Marshal wrote, or plain JSON, into v.
func Unmarshal(stored string, v any) error {
	if stored == "" {
		return errors.New("empty")
	}
	raw := []byte(stored)
	switch stored[0] {
	case '{': // plain JSON, as earlier versions stored it
	case V1:
		src := bytes.NewReader(raw[1:])
		r, _ := readers.Get().(io.ReadCloser)
		if r == nil {
			r = flate.NewReaderDict(src, dictV1)
		} else if err := r.(flate.Resetter).Reset(src, dictV1); err != nil {
			return fmt.Errorf("inflate: %w", err)
		}
		out, err := io.ReadAll(r)
		readers.Put(r)
		if err != nil {
			return fmt.Errorf("inflate: %w", err)
		}
		raw = out
	default:
		return fmt.Errorf("unknown version %#x", stored[0])
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}
