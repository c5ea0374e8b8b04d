// Package aliyuntest is a fake of Alibaba Cloud SMS (dysmsapi) for tests:
// the RPC API (SendSms, QuerySendDetails) with its signature checked as
// the provider checks it, and its two HTTP pushes (SmsUp, SmsReport), with
// the failure modes a real gateway has (no answer, an answer lost after
// the message was taken, flow control and other refusals).
package aliyuntest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DailyFlowLimit is the provider's flow control: notifications of one
// signature and template to one number, per day.
const DailyFlowLimit = 50

// Message is an SMS the fake took.
type Message struct {
	BizID, Phone, Sign, TemplateCode, OutID, Ext string
	Params                                       map[string]string
	Content                                      string // 【sign】 and the template filled
	At                                           time.Time
}

// Fake is the provider. Templates are the approved ones (code → text with
// ${variables}); Sign the approved signature.
type Fake struct {
	Server *httptest.Server
	KeyID  string
	Secret string
	Sign   string

	mu        sync.Mutex
	templates map[string]string
	messages  []Message
	nonces    map[string]bool
	fail      []failure
	calls     map[string]int
	now       func() time.Time
	bizSeq    int
}

type failure struct {
	code, message string
	hang          bool // no answer until the client gives up
	take          bool // the message is taken all the same
}

// New starts a fake with credentials and a signature.
func New(keyID, secret, sign string) *Fake {
	f := &Fake{KeyID: keyID, Secret: secret, Sign: sign, templates: map[string]string{}, nonces: map[string]bool{},
		calls: map[string]int{}, now: time.Now}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Close stops the server.
func (f *Fake) Close() { f.Server.Close() }

// URL is the API endpoint (sms.aliyun.api_url).
func (f *Fake) URL() string { return f.Server.URL }

// SetNow sets the fake's clock (the day of SendDate, flow control).
func (f *Fake) SetNow(now func() time.Time) {
	f.mu.Lock()
	f.now = now
	f.mu.Unlock()
}

// Approve adds an approved template.
func (f *Fake) Approve(code, text string) {
	f.mu.Lock()
	f.templates[code] = text
	f.mu.Unlock()
}

// Refuse makes the next n SendSms calls answer code (HTTP 200, as the
// provider answers its business errors), e.g. isv.BUSINESS_LIMIT_CONTROL
// "触发分钟级流控Permits:1".
func (f *Fake) Refuse(n int, code, message string) {
	f.queue(n, failure{code: code, message: message})
}

// Hang makes the next n SendSms calls give no answer (the client times
// out); taken says whether the provider took the message all the same.
func (f *Fake) Hang(n int, taken bool) { f.queue(n, failure{hang: true, take: taken}) }

func (f *Fake) queue(n int, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.fail = append(f.fail, fl)
	}
}

// Messages are the SMS taken, in order.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Calls is how many times action was called (signature checked).
func (f *Fake) Calls(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

var variable = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.errorAnswer(w, http.StatusBadRequest, "InvalidParameter", err.Error())
		return
	}
	p := url.Values{}
	for k, v := range r.URL.Query() {
		p[k] = v
	}
	for k, v := range r.PostForm {
		p[k] = v
	}
	if code, msg := f.verify(r.Method, p); code != "" {
		f.errorAnswer(w, http.StatusBadRequest, code, msg)
		return
	}
	action := p.Get("Action")
	f.mu.Lock()
	f.calls[action]++
	f.mu.Unlock()
	switch action {
	case "SendSms":
		f.sendSms(w, r, p)
	case "QuerySendDetails":
		f.querySendDetails(w, p)
	default:
		f.errorAnswer(w, http.StatusNotFound, "InvalidAction.NotFound", "no such action "+action)
	}
}

// verify checks the common parameters and the signature as the provider
// does: the key, the method, a fresh nonce, a recent timestamp.
func (f *Fake) verify(method string, p url.Values) (code, msg string) {
	switch {
	case p.Get("AccessKeyId") != f.KeyID:
		return "InvalidAccessKeyId.NotFound", "Specified access key is not found."
	case p.Get("SignatureMethod") != "HMAC-SHA1" || p.Get("SignatureVersion") != "1.0":
		return "InvalidParameter", "SignatureMethod or SignatureVersion"
	case p.Get("Version") != "2017-05-25" || p.Get("Format") != "JSON":
		return "InvalidParameter", "Version or Format"
	case p.Get("Signature") != Sign(method, p, f.Secret):
		return "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", p.Get("Timestamp"))
	if err != nil || time.Since(ts).Abs() > 15*time.Minute {
		return "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	nonce := p.Get("SignatureNonce")
	if nonce == "" || f.nonces[nonce] {
		return "SignatureNonceUsed", "Specified signature nonce was used already."
	}
	f.nonces[nonce] = true
	return "", ""
}

func (f *Fake) errorAnswer(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Code": code, "Message": msg, "RequestId": "FAKE-REQ"})
}

func (f *Fake) answer(w http.ResponseWriter, v map[string]any) {
	v["RequestId"] = "FAKE-REQ"
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Fake) sendSms(w http.ResponseWriter, r *http.Request, p url.Values) {
	f.mu.Lock()
	var fl *failure
	if len(f.fail) > 0 {
		fl = &f.fail[0]
		f.fail = f.fail[1:]
	}
	f.mu.Unlock()
	if fl != nil && fl.code != "" {
		f.answer(w, map[string]any{"Code": fl.code, "Message": fl.message})
		return
	}
	msg, code, why := f.take(p)
	if fl != nil && fl.hang {
		if code == "OK" && fl.take {
			f.keep(msg)
		}
		<-r.Context().Done() // the client gave up
		return
	}
	if code != "OK" {
		f.answer(w, map[string]any{"Code": code, "Message": why})
		return
	}
	f.keep(msg)
	f.answer(w, map[string]any{"Code": "OK", "Message": "OK", "BizId": msg.BizID})
}

// take checks a SendSms as the provider does: one mainland number, the
// approved signature and template, every variable given, 35 characters
// at most, none empty; the flow control per number, signature and template.
func (f *Fake) take(p url.Values) (Message, string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	phone := p.Get("PhoneNumbers")
	if len(phone) != 11 || phone[0] != '1' || strings.Trim(phone, "0123456789") != "" {
		return Message{}, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"
	}
	if p.Get("SignName") != f.Sign {
		return Message{}, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"
	}
	text, ok := f.templates[p.Get("TemplateCode")]
	if !ok {
		return Message{}, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"
	}
	params := map[string]string{}
	if s := p.Get("TemplateParam"); s != "" {
		if err := json.Unmarshal([]byte(s), &params); err != nil {
			return Message{}, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
		}
	}
	for _, m := range variable.FindAllStringSubmatch(text, -1) {
		v, ok := params[m[1]]
		switch {
		case !ok || v == "":
			return Message{}, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"
		case len([]rune(v)) > 35:
			return Message{}, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制"
		}
	}
	now := f.now()
	day := now.In(zone).Format("20060102")
	sent := 0
	for _, m := range f.messages {
		if m.Phone == phone && m.TemplateCode == p.Get("TemplateCode") && m.At.In(zone).Format("20060102") == day {
			sent++
		}
	}
	if sent >= DailyFlowLimit {
		return Message{}, "isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:" + strconv.Itoa(DailyFlowLimit)
	}
	content := variable.ReplaceAllStringFunc(text, func(s string) string { return params[s[2:len(s)-1]] })
	f.bizSeq++
	return Message{
		BizID: fmt.Sprintf("%d^%d", 900000+f.bizSeq, 0), Phone: phone, Sign: f.Sign, TemplateCode: p.Get("TemplateCode"),
		OutID: p.Get("OutId"), Ext: p.Get("SmsUpExtendCode"), Params: params, Content: "【" + f.Sign + "】" + content, At: now,
	}, "OK", ""
}

func (f *Fake) keep(m Message) {
	f.mu.Lock()
	f.messages = append(f.messages, m)
	f.mu.Unlock()
}

var zone = time.FixedZone("CST", 8*3600)

func (f *Fake) querySendDetails(w http.ResponseWriter, p url.Values) {
	phone, day := p.Get("PhoneNumber"), p.Get("SendDate")
	size, _ := strconv.Atoi(p.Get("PageSize"))
	page, _ := strconv.Atoi(p.Get("CurrentPage"))
	if size < 1 || size > 50 || page < 1 || len(day) != 8 {
		f.answer(w, map[string]any{"Code": "isv.INVALID_PARAMETERS", "Message": "参数异常"})
		return
	}
	var all []map[string]any
	for _, m := range f.Messages() {
		if m.Phone != phone || m.At.In(zone).Format("20060102") != day {
			continue
		}
		all = append(all, map[string]any{
			"PhoneNum": m.Phone, "SendStatus": 1, "ErrCode": "", "TemplateCode": m.TemplateCode, "Content": m.Content,
			"SendDate": m.At.In(zone).Format("2006-01-02 15:04:05"), "ReceiveDate": "", "OutId": m.OutID,
		})
	}
	from, to := min((page-1)*size, len(all)), min(page*size, len(all))
	f.answer(w, map[string]any{"Code": "OK", "Message": "OK", "TotalCount": strconv.Itoa(len(all)),
		"SmsSendDetailDTOs": map[string]any{"SmsSendDetailDTO": all[from:to]}})
}

// Up is one SMS a citizen texts (an SmsUp item).
type Up struct {
	Phone      string // 11 digits
	Content    string
	DestCode   string
	SequenceID int64
	At         time.Time
}

// PushUp posts SmsUp items to url (with ?token=…) as the provider pushes
// them, and returns the HTTP status and the answer's code.
func PushUp(ctx context.Context, url string, ups ...Up) (int, int, error) {
	var items []map[string]any
	for _, u := range ups {
		at := u.At
		if at.IsZero() {
			at = time.Now()
		}
		items = append(items, map[string]any{"phone_number": u.Phone, "send_time": at.In(zone).Format("2006-01-02 15:04:05"),
			"content": u.Content, "sign_name": "", "dest_code": u.DestCode, "sequence_id": u.SequenceID})
	}
	return push(ctx, url, items)
}

// Report is one delivery receipt (an SmsReport item).
type Report struct {
	Message Message
	Success bool
	Code    string // DELIVERED, W-BLACK…
}

// PushReport posts SmsReport items to url as the provider pushes them.
func PushReport(ctx context.Context, url string, reports ...Report) (int, int, error) {
	var items []map[string]any
	for _, r := range reports {
		at := r.Message.At.In(zone).Format("2006-01-02 15:04:05")
		items = append(items, map[string]any{"phone_number": r.Message.Phone, "send_time": at, "report_time": at,
			"success": r.Success, "err_code": r.Code, "err_msg": r.Code, "sms_size": "1", "biz_id": r.Message.BizID, "out_id": r.Message.OutID})
	}
	return push(ctx, url, items)
}

func push(ctx context.Context, url string, items any) (int, int, error) {
	body, err := json.Marshal(items)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var ans struct {
		Code int `json:"code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&ans)
	return resp.StatusCode, ans.Code, nil
}
