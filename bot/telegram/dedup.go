package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	msbot "github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake/queue"
)

// Sending a part again whose earlier attempt has no known outcome.
//
// Telegram may send a message and answer after the client gave up, and a
// worker may die between its answer and the record of it. The Bot API has
// no idempotency key and no list of sent messages, but message ids are
// sequences: a supergroup numbers its own messages, private chats and basic
// groups take theirs from one sequence of the bot account. The lost message,
// if Telegram sent it, has an id above every id known before the attempt.
// So each part is marked "attempted at T, ids known up to L" before it is
// handed to Telegram, and the ids the bot learns (its sent messages, the
// messages it receives) are kept. A retry that finds the mark probes the
// unknown ids above L with editMessageText carrying the part's exact text
// and keyboard: "message is not modified" means that message is the part
// (not sent again); "message to edit not found" (another chat's id, or
// none) and "message can't be edited" (someone else's) mean it is not.
//
// An edit that does change a message must never happen: it would overwrite
// another of the bot's messages. The only bot messages with unknown ids are
// copies of attempts with no known outcome, so a chat is probed only while
// no other attempt to it is open, sends to the chat wait while a probe
// runs (both kept in one Redis hash per chat), and once an attempt is given
// up and its part sent again, no probe in the chat goes below the new
// copy's id: the old copy, if there is one, is below it.

// Defaults and bounds of the probe.
const (
	// defaultProbeSettle: an attempt younger than this and not found is
	// probed again later, not concluded unsent: Telegram may still be
	// working on a request our client gave up on.
	defaultProbeSettle = 30 * time.Second
	// probeTrustAfter: an attempt this old that cannot be settled is sent
	// anyway. Better twice than never.
	probeTrustAfter = 10 * time.Minute
	// probeMaxFailures: failed probes of one attempt before the part is
	// sent anyway.
	probeMaxFailures = 5
	// probeMaxIDs bounds the ids one probe edits: the first unknown ids
	// above the attempt's mark.
	probeMaxIDs = 8
	// probeLease is how long a probe holds its chat; the probe itself
	// gives up a little earlier.
	probeLease = 30 * time.Second
	// otherAttemptWait is how long a probe waits, each time, for another
	// attempt to the same chat that may still be in flight.
	otherAttemptWait = time.Second
)

// Outcomes counted in minsheng_telegram_dedup_total{result}.
const (
	dedupFound        = "found"         // the part was at Telegram: not sent again
	dedupEdited       = "edited"        // a probe changed a message (should not happen): taken as the part
	dedupNotFound     = "not_found"     // not at Telegram: sent
	dedupDeferred     = "deferred"      // not found yet, too recent to conclude
	dedupWaiting      = "waiting"       // another attempt or probe in the chat: probed later
	dedupProbeFailed  = "probe_failed"  // a probe call failed: probed again later
	dedupUnverified   = "unverified"    // could not be probed in time: sent anyway
	dedupUnsafe       = "unsafe"        // another open attempt in the chat makes probing unsafe: sent anyway
	dedupNoReferences = "no_references" // no id known before the attempt: sent anyway
)

// probeResult is what one edit of one id says.
type probeResult int

const (
	probeIsPart  probeResult = iota // "message is not modified"
	probeChanged                    // the edit went through
	probeNotPart                    // not found, or not the bot's
	probeUnknown                    // any other answer or none
)

// settle decides about the part whose attempt a is open: true and its id
// when the part is at Telegram (recorded as sent now), false when it is to
// be sent, or an error (queue.Defer while it cannot be decided yet).
func (s *Sender) settle(ctx context.Context, m msbot.Outbound, chat int64, member string, a attempt, p *bot.SendMessageParams) (bool, int, error) {
	now := s.now()
	age := now.Sub(a.at)
	key := msbot.MaskPhones(m.Key)
	if a.lo <= 0 {
		// Nothing to count from (a fresh Redis): every id could be it.
		s.c.metrics.dedup.WithLabelValues(dedupNoReferences).Inc()
		s.c.log.Warn("sending a Telegram message again with no way to tell whether Telegram took the earlier attempt: it may arrive twice",
			"key", key, "member", msbot.MaskPhones(member), "attempted", a.at)
		return false, 0, s.c.records.giveUp(ctx, chat, member)
	}
	lock, err := s.c.records.lockChat(ctx, chat, member, a, now, s.inFlight)
	if err != nil {
		return false, 0, err
	}
	switch lock.state {
	case lockBusy:
		s.c.metrics.dedup.WithLabelValues(dedupWaiting).Inc()
		if age < probeTrustAfter {
			return false, 0, queue.Defer(min(max(lock.wait, 50*time.Millisecond), otherAttemptWait))
		}
		fallthrough
	case lockUnsafe:
		s.c.metrics.dedup.WithLabelValues(dedupUnsafe).Inc()
		s.c.log.Warn("sending a Telegram message again unprobed: another message to the chat has no known outcome either, and a probe could overwrite it; it may arrive twice",
			"key", key, "member", msbot.MaskPhones(member), "attempted", a.at)
		return false, 0, s.c.records.giveUp(ctx, chat, member)
	}
	return s.probed(ctx, m, chat, member, a, lock, p)
}

// probed probes for the part while its chat is held, and concludes.
func (s *Sender) probed(ctx context.Context, m msbot.Outbound, chat int64, member string, a attempt, lock chatLock, p *bot.SendMessageParams) (bool, int, error) {
	age := s.now().Sub(a.at)
	key := msbot.MaskPhones(m.Key)
	pctx, cancel := context.WithTimeout(ctx, probeLease-5*time.Second)
	res, id, perr := s.probe(pctx, chat, max(a.lo, lock.floor), lock.known, p)
	cancel()
	var tooMany *bot.TooManyRequestsError
	if res == probeUnknown && errors.As(perr, &tooMany) {
		// Telegram said wait: not a failed probe.
		if _, err := s.c.records.releaseChat(ctx, chat, member, releaseKeep); err != nil {
			return false, 0, err
		}
		return false, 0, s.failed(m, chat, perr)
	}
	switch res {
	case probeIsPart, probeChanged:
		if res == probeChanged {
			s.c.metrics.dedup.WithLabelValues(dedupEdited).Inc()
			// Its keyboard changed since (a survey answered in between), or
			// a message the bot did not know was overwritten.
			s.c.log.Error("a probe edit changed a Telegram message: taken as this part", "key", key, "message_id", id)
		} else {
			s.c.metrics.dedup.WithLabelValues(dedupFound).Inc()
		}
		if err := s.c.records.sent(ctx, chat, member, id, true); err != nil {
			return false, 0, fmt.Errorf("telegram %s found as message %d but not recorded: %w", key, id, err)
		}
		s.c.log.Info("Telegram message already sent in an earlier attempt: not sent again", "key", key, "message_id", id, "attempted", a.at)
		return true, id, nil
	case probeUnknown:
		s.c.metrics.dedup.WithLabelValues(dedupProbeFailed).Inc()
		failures, rerr := s.c.records.releaseChat(ctx, chat, member, releaseFailed)
		if rerr != nil {
			failures = a.failures + 1
		}
		if failures < probeMaxFailures && age < probeTrustAfter {
			return false, 0, fmt.Errorf("telegram %s: an earlier attempt may have been sent, and probing for it failed: %v", key, msbot.MaskPhones(errString(perr)))
		}
		s.c.metrics.dedup.WithLabelValues(dedupUnverified).Inc()
		s.c.log.Warn("sending a Telegram message again although probing could not tell whether the earlier attempt was sent: it may arrive twice",
			"key", key, "attempted", a.at, "failed_probes", failures, "err", msbot.MaskPhones(errString(perr)))
		return false, 0, s.c.records.giveUp(ctx, chat, member)
	}
	if age < s.settleAfter {
		s.c.metrics.dedup.WithLabelValues(dedupDeferred).Inc()
		if _, err := s.c.records.releaseChat(ctx, chat, member, releaseKeep); err != nil {
			return false, 0, err
		}
		return false, 0, queue.Defer(min(s.settleAfter-age, s.settleAfter))
	}
	s.c.metrics.dedup.WithLabelValues(dedupNotFound).Inc()
	s.c.log.Info("Telegram message not sent by an attempt with no answer: sending it", "key", key, "attempted", a.at)
	_, err := s.c.records.releaseChat(ctx, chat, member, releaseClose)
	return false, 0, err
}

// probe edits the first unknown ids above lo in chat with the part's text
// and keyboard, until one is the part. It returns probeIsPart or
// probeChanged with that id, probeNotPart when none was, or probeUnknown
// with the error of a call that said nothing about its id.
func (s *Sender) probe(ctx context.Context, chat int64, lo int, known map[int]bool, p *bot.SendMessageParams) (probeResult, int, error) {
	edit := &bot.EditMessageTextParams{ChatID: chat, Text: p.Text, ParseMode: p.ParseMode}
	if kb, ok := p.ReplyMarkup.(inlineKeyboard); ok {
		// Only an inline keyboard is part of a message; an edit without it
		// would remove it.
		edit.ReplyMarkup = kb
	}
	for id, tried := lo+1, 0; tried < probeMaxIDs; id++ {
		if known[id] {
			continue
		}
		tried++
		edit.MessageID = id
		_, err := s.c.api.EditMessageText(ctx, edit)
		switch res := probeAnswer(err); res {
		case probeIsPart, probeChanged:
			return res, id, nil
		case probeUnknown:
			return res, 0, err
		}
	}
	return probeNotPart, 0, nil
}

// probeAnswer reads Telegram's answer to a probe edit.
func probeAnswer(err error) probeResult {
	if err == nil {
		return probeChanged
	}
	if !errors.Is(err, bot.ErrorBadRequest) {
		return probeUnknown
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "message is not modified"):
		return probeIsPart
	case strings.Contains(msg, "message to edit not found"), strings.Contains(msg, "message_id_invalid"),
		strings.Contains(msg, "message can't be edited"):
		return probeNotPart
	}
	return probeUnknown
}

// definite reports whether a failed send was answered by Telegram, so the
// message was certainly not sent; a transport error, an answer that does
// not decode or a server error prove nothing.
func definite(err error) bool {
	var tooMany *bot.TooManyRequestsError
	var migrated *bot.MigrateError
	return errors.As(err, &tooMany) || errors.As(err, &migrated) ||
		errors.Is(err, bot.ErrorBadRequest) || errors.Is(err, bot.ErrorForbidden) ||
		errors.Is(err, bot.ErrorUnauthorized) || errors.Is(err, bot.ErrorNotFound) || errors.Is(err, bot.ErrorConflict)
}

func errString(err error) string {
	if err == nil {
		return "no answer"
	}
	return err.Error()
}

// box is the id sequence chat's messages are numbered in: a supergroup's
// or channel's own (chat ids below -10^12), else the bot account's one
// sequence of private chats and basic groups.
func box(chat int64) string {
	if chat < -1_000_000_000_000 {
		return strconv.FormatInt(chat, 10)
	}
	return "a"
}
