package telegram

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	msbot "github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake/queue"
)

// Telegram's limits (core.telegram.org/bots/faq): about one message a second
// to a chat, twenty a minute to a group, thirty a second in all.
const (
	perPrivateChat = 1.0
	perGroup       = 20.0 / 60
	perBot         = 30.0
)

// maxText is where a long message is split: Telegram takes 4,096
// characters; the margin keeps the HTML escapes of a part inside it.
const maxText = 3500

// rateData prefixes a survey button's callback data: "rate:1".
const rateData = "rate:"

// Sender delivers the send queue's Telegram messages. It is the channel's
// bot.Sender.
type Sender struct {
	c              *Channel
	chats, groups  *msbot.RateLimiter
	bot            *msbot.RateLimiter
	contactRequest string
	now            func() time.Time
	// settleAfter: see defaultProbeSettle. inFlight: how long another
	// attempt to a chat may still be answered (the client's timeout).
	settleAfter, inFlight time.Duration
}

func newSender(c *Channel) *Sender {
	env := c.env
	return &Sender{
		c:              c,
		chats:          msbot.NewRateLimiter(env.Redis, env.Prefix, "tg:chat", perPrivateChat),
		groups:         msbot.NewRateLimiter(env.Redis, env.Prefix, "tg:group", perGroup),
		bot:            msbot.NewRateLimiter(env.Redis, env.Prefix, "tg:bot", perBot),
		contactRequest: "分享我的手机号",
		now:            env.Now,
		settleAfter:    c.opt.ProbeSettle,
		inFlight:       c.opt.HTTPClient.Timeout + 5*time.Second,
	}
}

// Send sends m: nil when Telegram took every part; queue.Defer while a
// limit holds it; bot.ErrOptedOut when the citizen blocked the bot; an
// error wrapping queue.ErrPermanent when Telegram refused it for good; any
// other error to be retried. A retry resumes after the parts already sent,
// and first probes for a part whose last attempt had no answer (dedup.go).
func (s *Sender) Send(ctx context.Context, m msbot.Outbound) error {
	chat, err := strconv.ParseInt(m.To, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram %s: chat %q is not a chat id: %w", msbot.MaskPhones(m.Key), m.To, queue.ErrPermanent)
	}
	parts := split(m.Text, maxText)
	if len(parts) == 0 {
		return fmt.Errorf("telegram %s: empty message: %w", msbot.MaskPhones(m.Key), queue.ErrPermanent)
	}
	done := 0
	if len(parts) > 1 {
		if done, err = s.c.records.partsSent(ctx, m.Key); err != nil {
			return err
		}
	}
	for n := done; n < len(parts); n++ {
		member := m.Key + "#" + strconv.Itoa(n)
		p := &bot.SendMessageParams{ChatID: chat, Text: html.EscapeString(parts[n]), ParseMode: models.ParseModeHTML}
		if n == 0 && m.Thread != "" {
			if id, err := strconv.Atoi(m.Thread); err == nil {
				p.ReplyParameters = &models.ReplyParameters{MessageID: id, AllowSendingWithoutReply: true}
			}
		}
		last := n == len(parts)-1
		if last {
			p.ReplyMarkup = s.markup(m, chat)
		}
		id, err := s.sendPart(ctx, m, chat, member, p)
		if err != nil {
			return err
		}
		if len(parts) > 1 {
			if err := s.c.records.partSent(ctx, m.Key, n+1); err != nil {
				return fmt.Errorf("telegram %s part %d sent but not recorded: %w", msbot.MaskPhones(m.Key), n+1, err)
			}
		}
		if last && (chat < 0 || len(m.Buttons) > 0) {
			// Answers to it (a staff reply, a button) find their petition.
			if err := s.c.records.rememberMessage(ctx, chat, id, botMessage{Conversation: m.Conversation, Case: m.Case}); err != nil {
				s.c.log.Warn("sent message not remembered: answers to it will not find their petition", "err", err)
			}
		}
	}
	return nil
}

// sendPart sends one part, recorded as member, and returns its message id.
// The attempt is recorded before the call; an attempt left open by a
// timeout or a crash is settled (dedup.go) before the part goes again,
// without taking a token of the rate limits.
func (s *Sender) sendPart(ctx context.Context, m msbot.Outbound, chat int64, member string, p *bot.SendMessageParams) (int, error) {
	for try := 0; ; try++ {
		state, a, wait, err := s.c.records.begin(ctx, chat, member, s.now())
		if err != nil {
			return 0, err // nothing sent
		}
		switch {
		case state == beginProbing:
			// A probe takes a second or so; its lease is longer.
			return 0, queue.Defer(min(wait, otherAttemptWait))
		case state == beginPending && try == 0:
			taken, id, err := s.settle(ctx, m, chat, member, a, p)
			if err != nil || taken {
				return id, err
			}
			continue // not at Telegram: open a new attempt and send
		case state == beginPending:
			return 0, queue.Defer(otherAttemptWait) // another worker opened it meanwhile
		}
		break
	}
	if wait, err := s.wait(ctx, chat, m.Bulk, member); err != nil || wait > 0 {
		// Not sent: the attempt is over.
		if cerr := s.c.records.closeAttempt(ctx, chat, member); cerr != nil {
			s.c.log.Warn("deferred Telegram attempt not closed; the retry probes first", "key", msbot.MaskPhones(m.Key), "err", cerr)
		}
		if err != nil {
			return 0, err
		}
		return 0, queue.Defer(wait)
	}
	sent, err := s.c.api.SendMessage(ctx, p)
	if err != nil {
		if definite(err) {
			// Telegram answered: nothing was sent, the retry need not probe.
			if cerr := s.c.records.closeAttempt(ctx, chat, member); cerr != nil {
				s.c.log.Warn("refused Telegram attempt not closed; the retry probes first", "key", msbot.MaskPhones(m.Key), "err", cerr)
			}
		}
		return 0, s.failed(m, chat, err)
	}
	if err := s.c.records.sent(ctx, chat, member, sent.ID, false); err != nil {
		// Telegram has it; the retry finds it through the open attempt.
		return 0, fmt.Errorf("telegram %s sent as message %d but not recorded: %w", msbot.MaskPhones(m.Key), sent.ID, err)
	}
	return sent.ID, nil
}

// wait takes the chat's token and the bot's; 0 when the message may go.
func (s *Sender) wait(ctx context.Context, chat int64, bulk bool, member string) (time.Duration, error) {
	lim, name := s.chats, "chat"
	if chat < 0 {
		lim, name = s.groups, "group"
	}
	wait, err := lim.Take(ctx, strconv.FormatInt(chat, 10), bulk, member)
	if err != nil || wait > 0 {
		if wait > 0 {
			s.c.metrics.rateLimited.WithLabelValues(name).Inc()
		}
		return wait, err
	}
	wait, err = s.bot.Take(ctx, "all", bulk, member)
	if wait > 0 {
		s.c.metrics.rateLimited.WithLabelValues("bot").Inc()
	}
	return wait, err
}

// inlineKeyboard and inlineButton are Telegram's inline keyboard with only
// what we send: the library's button type always sends an empty copy_text.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// markup is the keyboard of a message: the survey's answers as buttons
// (their data "rate:1" …), or in a private chat a button to share the
// phone number when a call back is promised.
func (s *Sender) markup(m msbot.Outbound, chat int64) models.ReplyMarkup {
	if len(m.Actions) > 0 {
		rows := make([][]inlineButton, 0, len(m.Actions))
		for _, a := range m.Actions {
			rows = append(rows, []inlineButton{{Text: a.Label, CallbackData: a.Data}})
		}
		return inlineKeyboard{InlineKeyboard: rows}
	}
	if len(m.Buttons) > 0 {
		row := make([]inlineButton, 0, len(m.Buttons))
		for i, label := range m.Buttons {
			row = append(row, inlineButton{Text: label, CallbackData: rateData + strconv.Itoa(i+1)})
		}
		return inlineKeyboard{InlineKeyboard: [][]inlineButton{row}}
	}
	if m.AskContact && chat > 0 {
		return &models.ReplyKeyboardMarkup{
			Keyboard:       [][]models.KeyboardButton{{{Text: s.contactRequest, RequestContact: true}}},
			ResizeKeyboard: true, OneTimeKeyboard: true,
		}
	}
	return nil
}

// failed maps Telegram's answer onto the send queue's outcome.
func (s *Sender) failed(m msbot.Outbound, chat int64, err error) error {
	key := msbot.MaskPhones(m.Key)
	var tooMany *bot.TooManyRequestsError
	var migrated *bot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		s.c.metrics.rateLimited.WithLabelValues("telegram").Inc()
		return queue.RetryAfter(fmt.Errorf("telegram %s: %v", key, err), time.Duration(max(tooMany.RetryAfter, 1))*time.Second)
	case errors.Is(err, bot.ErrorForbidden) && chat > 0:
		// The citizen blocked the bot (or deleted the account).
		return fmt.Errorf("telegram %s: %v: %w", key, err, msbot.ErrOptedOut)
	case errors.As(err, &migrated):
		return fmt.Errorf("telegram %s: the group became supergroup %d: put it in telegram.intake_chats: %w", key, migrated.MigrateToChatID, queue.ErrPermanent)
	case errors.Is(err, bot.ErrorForbidden), errors.Is(err, bot.ErrorBadRequest), errors.Is(err, bot.ErrorUnauthorized), errors.Is(err, bot.ErrorNotFound):
		return fmt.Errorf("telegram %s refused: %v: %w", key, err, queue.ErrPermanent)
	}
	return fmt.Errorf("telegram %s: %v", key, err)
}

// split cuts text into parts of at most n characters, at a line break or
// sentence end where one is near, never inside a character.
func split(text string, n int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for text != "" {
		if utf8.RuneCountInString(text) <= n {
			parts = append(parts, text)
			break
		}
		rs := []rune(text)
		cut := n
		for k := n; k > n*3/4; k-- {
			if r := rs[k-1]; r == '\n' || r == '。' || r == '；' || r == '！' || r == '？' {
				cut = k
				break
			}
		}
		parts = append(parts, strings.TrimSpace(string(rs[:cut])))
		text = strings.TrimSpace(string(rs[cut:]))
	}
	return parts
}
