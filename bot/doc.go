// Package bot is minsheng's runtime: one inbound pipeline for every channel,
// the conversations' state in Redis, the durable send queue, the schedulers
// and the HTTP server.
//
// A message flows one way: a channel adapter (bot/sms, bot/telegram,
// bot/console) turns what arrived into an Inbound and calls Pipeline.Handle;
// the pipeline records it in the conversation's inbox (deduplicated by the
// provider's message id), runs the dialog over the inbox in arrival order,
// and commits the new state together with the replies (to the send queue)
// and the petitions (to the outbox) in one atomic step. Senders drain the
// send queue back through the channel adapters.
package bot
