package aliyun

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/dysmsapi"
)

// DefaultTimeout bounds one call to the API (the provider recommends 1 s or
// more for the mainland).
const DefaultTimeout = 10 * time.Second

// region is the one the SDK signs with; the endpoint is the central one
// (dysmsapi.aliyuncs.com) or sms.aliyun.api_url.
const region = "cn-hangzhou"

// api calls SendSms and QuerySendDetails through the provider's SDK.
//
// The SDK takes no context, keeps one http.Client per SDK client whose
// Timeout it rewrites on every call, and rewrites an *http.Transport's
// dialer and TLS settings: shared between goroutines, that is a data race.
// So each call gets an SDK client of its own (cheap: no I/O) over one
// shared transport wrapped in a RoundTripper that is not an
// *http.Transport, which the SDK leaves alone. Its automatic retries stay
// off: a retried SendSms could send twice.
type api struct {
	id, secret string
	scheme     string // HTTPS, or HTTP for a local fake
	host       string // host[:port]
	timeout    time.Duration
	transport  http.RoundTripper
}

type sharedTransport struct{ t *http.Transport }

func (s sharedTransport) RoundTrip(r *http.Request) (*http.Response, error) { return s.t.RoundTrip(r) }

func newAPI(id, secret, apiURL string, timeout time.Duration) (*api, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("sms.aliyun.api_url %q: want https://host", apiURL)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	t := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second,
	}
	return &api{id: id, secret: secret, scheme: strings.ToUpper(u.Scheme), host: u.Host, timeout: timeout, transport: sharedTransport{t}}, nil
}

func (a *api) client() (*dysmsapi.Client, error) {
	cfg := sdk.NewConfig()
	cfg.AutoRetry = false
	cfg.MaxRetryTime = 0
	cfg.Transport = a.transport
	cfg.Scheme = a.scheme
	cfg.Timeout = a.timeout
	c, err := dysmsapi.NewClientWithOptions(region, cfg, credentials.NewAccessKeyCredential(a.id, a.secret))
	if err != nil {
		return nil, fmt.Errorf("aliyun client: %w", err)
	}
	c.SetReadTimeout(a.timeout)
	c.SetConnectTimeout(5 * time.Second)
	return c, nil
}

// sendRequest is one SendSms.
type sendRequest struct {
	Phone, Sign, Template, Params, Ext, OutID string
}

// sendAnswer is what SendSms said: Code "OK" and a BizId when taken.
type sendAnswer struct {
	Code, Message, BizID string
	// HTTP is the status when the API answered with an error status, 0
	// when no answer came (a timeout, a broken connection).
	HTTP int
}

// send calls SendSms. err is set when no usable answer came; an answer
// that refuses has Code set (and HTTP when the status was not 200).
func (a *api) send(r sendRequest) (sendAnswer, error) {
	c, err := a.client()
	if err != nil {
		return sendAnswer{}, err
	}
	req := dysmsapi.CreateSendSmsRequest()
	req.Scheme, req.Domain = a.scheme, a.host
	req.PhoneNumbers, req.SignName, req.TemplateCode = r.Phone, r.Sign, r.Template
	req.TemplateParam, req.SmsUpExtendCode, req.OutId = r.Params, r.Ext, r.OutID
	resp, err := c.SendSms(req)
	if err != nil {
		return serverAnswer(err)
	}
	return sendAnswer{Code: resp.Code, Message: resp.Message, BizID: resp.BizId, HTTP: resp.GetHttpStatus()}, nil
}

// serverAnswer reads an SDK error: an API error status with its code is an
// answer; anything else (a timeout, no connection) is not.
func serverAnswer(err error) (sendAnswer, error) {
	var se *sdkerrors.ServerError
	if errors.As(err, &se) && se.HttpStatus() > 0 {
		return sendAnswer{Code: se.ErrorCode(), Message: se.Message(), HTTP: se.HttpStatus()}, nil
	}
	return sendAnswer{}, err
}

// record is one SMS QuerySendDetails lists.
type record struct {
	OutID, Template, Content string
	Status                   int64 // 1 waiting for the receipt, 2 failed, 3 delivered
}

// sentOn lists the SMS sent to phone (national form) on day (yyyyMMdd, the
// provider's day, UTC+8), all pages.
func (a *api) sentOn(phone, day string) ([]record, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	const pageSize = 50
	var out []record
	for page := 1; page <= 20; page++ {
		req := dysmsapi.CreateQuerySendDetailsRequest()
		req.Scheme, req.Domain = a.scheme, a.host
		req.PhoneNumber, req.SendDate = phone, day
		req.PageSize, req.CurrentPage = requests.NewInteger(pageSize), requests.NewInteger(page)
		resp, err := c.QuerySendDetails(req)
		if err != nil {
			return nil, fmt.Errorf("QuerySendDetails: %w", err)
		}
		if resp.Code != "OK" {
			return nil, fmt.Errorf("QuerySendDetails: %s: %s", resp.Code, resp.Message)
		}
		for _, d := range resp.SmsSendDetailDTOs.SmsSendDetailDTO {
			out = append(out, record{OutID: d.OutId, Template: d.TemplateCode, Content: d.Content, Status: d.SendStatus})
		}
		total, _ := strconv.Atoi(resp.TotalCount)
		if len(resp.SmsSendDetailDTOs.SmsSendDetailDTO) < pageSize || page*pageSize >= total {
			break
		}
	}
	return out, nil
}
