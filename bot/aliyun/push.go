package aliyun

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake"
	"github.com/redis/go-redis/v9"
)

// flexString reads a JSON string or number as text: sequence_id is a
// Number in the provider's older pages and a String in newer ones.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// upItem is one SMS a citizen sent (SmsUp).
type upItem struct {
	PhoneNumber string     `json:"phone_number"`
	SendTime    string     `json:"send_time"`
	Content     string     `json:"content"`
	SignName    string     `json:"sign_name"`
	DestCode    string     `json:"dest_code"`
	SequenceID  flexString `json:"sequence_id"`
}

// reportItem is one delivery receipt (SmsReport).
type reportItem struct {
	PhoneNumber string `json:"phone_number"`
	Success     bool   `json:"success"`
	ErrCode     string `json:"err_code"`
	ErrMsg      string `json:"err_msg"`
	BizID       string `json:"biz_id"`
	OutID       string `json:"out_id"`
}

// pushAuth checks a push's token (the provider signs no push): 404 while
// none is configured, 401 without the right one. Constant time.
func pushAuth(w http.ResponseWriter, r *http.Request, token string) bool {
	if token == "" {
		http.NotFound(w, r)
		return false
	}
	got := r.URL.Query().Get("token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		bot.Error(w, http.StatusUnauthorized, "push token missing or wrong")
		return false
	}
	return true
}

// answer is the provider's expected reply: {"code":0,"msg":"成功"} with
// 200; anything else (500 with a non-zero code) makes it push the batch
// again after 1, 5 and 10 minutes.
func answer(w http.ResponseWriter, ok bool, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	code := 0
	if !ok {
		code = 1
		w.WriteHeader(http.StatusInternalServerError)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg})
}

func readArray[T any](w http.ResponseWriter, r *http.Request) ([]T, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		bot.Error(w, http.StatusBadRequest, "unreadable body")
		return nil, false
	}
	var items []T
	if err := json.Unmarshal(body, &items); err != nil {
		bot.Error(w, http.StatusBadRequest, "want a JSON array: "+err.Error())
		return nil, false
	}
	return items, true
}

// upHandler takes SmsUp: POST /sms/aliyun/up?token=….
type upHandler struct {
	token   string
	intake  bot.Intake
	exts    extensions
	country countryGuard
	metrics *metrics
	log     *slog.Logger
	now     func() time.Time
}

func (h *upHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !pushAuth(w, r, h.token) {
		return
	}
	items, ok := readArray[upItem](w, r)
	if !ok {
		return
	}
	// The whole batch or none of it: a failure answers 500 and the
	// provider pushes the batch again; what was taken is then a
	// duplicate by its sequence_id.
	for _, it := range items {
		in, err := h.inbound(it)
		if err != nil {
			h.metrics.inbound.WithLabelValues("malformed").Inc()
			h.log.Warn("pushed SMS skipped", "err", err, "sequence_id", string(it.SequenceID))
			continue
		}
		res, err := h.intake.Handle(r.Context(), in)
		if err != nil {
			h.log.Error("pushed SMS not taken in; the provider pushes the batch again", "from", bot.MaskPhones(in.Reply.To),
				"sequence_id", string(it.SequenceID), "err", bot.MaskPhones(err.Error()))
			answer(w, false, "not taken; push again")
			return
		}
		switch {
		case res.Duplicate:
			h.metrics.inbound.WithLabelValues("duplicate").Inc()
		default:
			h.metrics.inbound.WithLabelValues("taken").Inc()
			if !h.country.allows(in.Reply.To) {
				h.log.Warn("SMS from outside sms.allowed_country_codes: petition taken, no SMS reply will be sent", "from", bot.MaskPhones(in.Reply.To))
			}
		}
	}
	answer(w, true, "成功")
}

// inbound is one pushed SMS as the pipeline's message: the citizen's
// number in E.164, the official by the extension written to, the
// sequence_id as the provider id.
func (h *upHandler) inbound(it upItem) (bot.Inbound, error) {
	from := e164(it.PhoneNumber)
	switch {
	case from == "":
		return bot.Inbound{}, fmt.Errorf("phone_number %q is not a phone number", bot.MaskPhones(it.PhoneNumber))
	case it.SequenceID == "":
		return bot.Inbound{}, fmt.Errorf("no sequence_id")
	}
	to := h.exts.official(it.DestCode)
	return bot.Inbound{
		Channel: bot.ChannelSMS, Conversation: bot.ConversationKey(bot.ChannelSMS, from),
		Reply: bot.Address{Channel: bot.ChannelSMS, To: from, From: to}, To: to,
		Citizen: intake.Citizen{Phone: from}, Text: it.Content, ProviderID: "ali:" + string(it.SequenceID), At: h.now(),
	}, nil
}

// extensions map the extension written to (dest_code) to the official.
type extensions map[string]string // extension → official's number

// official is the official whose extension dest is, or ends with (the
// provider may put the signature's own code before it); "" for none: the
// hotline's generic flow.
func (e extensions) official(dest string) string {
	if n, ok := e[dest]; ok {
		return n
	}
	best, number := 0, ""
	for ext, n := range e {
		if len(ext) > best && strings.HasSuffix(dest, ext) {
			best, number = len(ext), n
		}
	}
	return number
}

// reportHandler takes SmsReport: POST /sms/aliyun/report?token=….
type reportHandler struct {
	token   string
	records *records
	intake  bot.Intake
	metrics *metrics
	log     *slog.Logger
}

func (h *reportHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !pushAuth(w, r, h.token) {
		return
	}
	items, ok := readArray[reportItem](w, r)
	if !ok {
		return
	}
	if err := h.take(r.Context(), items); err != nil {
		h.log.Error("delivery receipts not recorded; the provider pushes them again", "err", bot.MaskPhones(err.Error()))
		answer(w, false, "not taken; push again")
		return
	}
	answer(w, true, "成功")
}

// take records a batch of receipts on their messages (one round trip) and
// opts out the citizens whose number the carriers blacklisted.
func (h *reportHandler) take(ctx context.Context, items []reportItem) error {
	pipe := h.records.rdb.Pipeline()
	var optOut []string
	for _, it := range items {
		to := e164(it.PhoneNumber)
		if to == "" || it.OutID == "" {
			continue
		}
		k := h.records.key(to)
		ok := "0"
		if it.Success {
			ok = "1"
		}
		pipe.HSet(ctx, k, "r:"+memberOf(it.OutID, to), ok+"|"+it.ErrCode)
		pipe.Expire(ctx, k, recordTTL)
		switch {
		case it.Success:
			h.metrics.reports.WithLabelValues("delivered").Inc()
		case optedOut(it.ErrCode):
			h.metrics.reports.WithLabelValues("opted_out").Inc()
			optOut = append(optOut, to)
		default:
			h.metrics.reports.WithLabelValues("failed").Inc()
			h.log.Info("SMS not delivered", "to", bot.MaskPhones(to), "code", it.ErrCode, "message", it.ErrMsg)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return fmt.Errorf("record receipts: %w", err)
	}
	for _, to := range optOut {
		h.log.Info("citizen opted out: the carrier reports the number blacklisted our messages", "to", bot.MaskPhones(to))
		if err := h.intake.OptOut(ctx, bot.ConversationKey(bot.ChannelSMS, to)); err != nil {
			return fmt.Errorf("opt out %s: %w", bot.MaskPhones(to), err)
		}
	}
	return nil
}

// optedOut reports whether a receipt's error says the number refuses our
// messages: blacklist codes (W-BLACK: the owner complained of the
// signature's messages, help.aliyun.com/document_detail/2679007.html;
// the carriers' MBBLACK, DBBLACK…) and unsubscribes.
func optedOut(code string) bool {
	c := strings.ToUpper(code)
	return strings.Contains(c, "BLACK") || strings.Contains(c, "UNSUB")
}
