package main

import (
	"context"
	"strings"
	"testing"

	"github.com/minsheng/minsheng/bot"
	"github.com/minsheng/minsheng/intake/queue"
	"github.com/minsheng/minsheng/intake/queue/redistest"
	"github.com/minsheng/minsheng/internal/testwait"
)

// onRealRedis points the commands at the test Redis under a prefix of the
// test's own.
func onRealRedis(t *testing.T) *bot.Store {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	t.Setenv("MINSHENG_REDIS_ADDR", redistest.Addr())
	t.Setenv("MINSHENG_REDIS_PREFIX", prefix)
	return bot.NewStore(rdb, prefix)
}

// TestChatRefusesARedisAServeUses: `chat` started on the Redis and prefix
// a running `serve` uses would lose its replies to serve's send worker; it
// refuses at once, in one line saying what to do, and exits 1. Once serve
// stopped, chat runs there and the citizen gets the receipt.
func TestChatRefusesARedisAServeUses(t *testing.T) {
	isolate(t)
	store := onRealRedis(t)
	srv := startServe(t)
	testwait.For(t, "serve to stamp its presence", func() bool {
		r, err := store.Running(context.Background())
		return err == nil && len(r) == 1
	})

	const appeal = "幸福小区3号楼门口的路灯坏了一个月了，晚上很黑\n"
	code, stdout, stderr := runCmd(t, context.Background(), appeal, "chat", "--json")
	if code != 1 || stdout != "" {
		t.Fatalf("chat beside a serve: exit %d, stdout %q, stderr %q\nserve's log:\n%s", code, stdout, stderr, srv.log.String())
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 || !strings.Contains(stderr, "serve") ||
		!strings.Contains(stderr, "redis.addr") || !strings.Contains(stderr, "redis.prefix") || !strings.Contains(stderr, store.Prefix) {
		t.Errorf("want one line naming the serve, the prefix and what to do, got %q", stderr)
	}

	if code := srv.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, srv.log.String())
	}
	code, stdout, stderr = runCmd(t, context.Background(), appeal, "chat", "--json")
	if r := jsonReplies(t, stdout); code != 0 || len(r) != 1 || idRe.FindString(r[0].Text) == "" {
		t.Errorf("chat after serve stopped: exit %d, replies %q, stderr %q", code, stdout, stderr)
	}
}

// TestServeSaysWhyAConsoleReplyIsADeadLetter: a console reply in the send
// queue (a chat that started before serve, or an older chat) is not dropped
// silently: serve's log says it is a dead letter and why.
func TestServeSaysWhyAConsoleReplyIsADeadLetter(t *testing.T) {
	isolate(t)
	store := onRealRedis(t)
	srv := startServe(t)
	sendq := queue.New(store.Redis, store.Prefix, bot.SendQueueName, nil, queue.Options{})
	conv := bot.ConversationKey(bot.ChannelConsole, "+8613800138000")
	err := sendq.Enqueue(context.Background(), conv+":1", bot.Outbound{Key: conv + ":1", Conversation: conv, Seq: 1,
		Channel: bot.ChannelConsole, To: "+8613800138000", Text: "已收到您的诉求"})
	if err != nil {
		t.Fatal(err)
	}
	testwait.For(t, "serve to park the console reply", func() bool {
		st, err := sendq.Stats(context.Background())
		return err == nil && st.Dead == 1
	})
	testwait.For(t, "serve to log it", func() bool { return strings.Contains(srv.log.String(), "dead letter") })
	log := srv.log.String()
	if !strings.Contains(log, `no sender for channel \"console\"`) || !strings.Contains(log, "minsheng chat") ||
		!strings.Contains(log, "redis.prefix") {
		t.Errorf("serve's log does not say why the console reply is a dead letter:\n%s", log)
	}
	if strings.Contains(log, "13800138000") {
		t.Errorf("the log shows the phone number:\n%s", log)
	}
}
