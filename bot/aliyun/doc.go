// Package aliyun is the SMS channel on a mainland-China gateway: Alibaba
// Cloud SMS (短信服务, dysmsapi), through the provider's own Go SDK
// (github.com/aliyun/alibaba-cloud-sdk-go, services/dysmsapi). It is the
// "sms" channel of a deployment whose citizens text mainland numbers,
// where Twilio cannot carry two-way SMS: a citizen is the same
// conversation (sms:+86…) whoever carries it, and whatever addresses SMS
// (a Telegram group's resident, an official's forward_to, a missed call's
// auto-reply) goes through it. A deployment runs one SMS provider.
//
// In: the provider pushes what citizens text its 106 number (上行短信,
// SmsUp) to POST /sms/aliyun/up?token=…, and delivery receipts (状态报告,
// SmsReport) to POST /sms/aliyun/report?token=…: JSON arrays, answered
// {"code":0,"msg":"成功"}. The provider signs neither push, so the URL
// carries sms.aliyun.push_token, compared in constant time (401 without
// it, 404 while none is configured). A batch is taken whole or answered
// 500, which makes the provider push it again; the items already taken
// are then duplicates by their sequence_id (the ProviderID, kept with the
// conversation like a MessageSid). The extension the citizen texted
// (dest_code) picks the official (officials[].sms_ext).
//
// Out: every SMS is an approved template (sms.aliyun.templates: reply key
// → code and variables) under the approved signature; the rendered text
// never goes out. Variables are cut to the provider's limits. A daily
// budget per number (daily_limit, counted in Redis) keeps the last SMS of
// the day for what is left: later messages are merged into it, survey
// reminders wait for the next morning. The provider has no idempotency
// key, so each SMS is marked attempted before SendSms (its OutId is the
// message key), and a retry that finds the mark first looks the message up
// with QuerySendDetails; a receipt whose error says the number is
// blacklisted (the citizen complained or unsubscribed) opts the citizen out.
//
// Provider facts relied on (Alibaba Cloud documentation, read 2026-12):
//   - SendSms (help.aliyun.com/document_detail/55284.html): PhoneNumbers,
//     SignName, TemplateCode, TemplateParam (JSON), SmsUpExtendCode,
//     OutId; "国内短信…均不支持幂等的能力" (no idempotency) and "发生超时失败
//     的情况时,建议查看回执状态后再判断是否重试" (after a timeout, look at
//     the receipt before retrying); the SDK's retries are to stay off
//     (SendBatchSms, document_detail/419274). QPS 5,000 per account.
//   - QuerySendDetails (document_detail/419277.html): PhoneNumber (11
//     digits for the mainland), SendDate yyyyMMdd (last 30 days),
//     PageSize 1–50, CurrentPage; each record has OutId, TemplateCode,
//     Content, SendStatus, SendDate.
//   - SmsUp (document_detail/101847.html, knowledge_detail/60127.html) and
//     SmsReport (document_detail/101867.html): JSON arrays (phone_number,
//     send_time, content, sign_name, dest_code, sequence_id; phone_number,
//     send_time, report_time, success, err_code, err_msg, sms_size,
//     biz_id, out_id); answer {"code":0,…} with HTTP 200; a non-200 or a
//     timeout is pushed again (after 1, 5 and 10 minutes); sequence_id is
//     a Number in older pages, a String in newer ones (both are read).
//   - Flow control (document_detail/2881383.html): notifications of one
//     signature and template to one number, at most 50 a day (24 hours
//     from the send); a submission counts whatever its receipt; over it
//     SendSms answers isv.BUSINESS_LIMIT_CONTROL, whose message names the
//     level (分钟级, 小时级, 天级流控, developer.aliyun.com/ask/218440).
//   - Template variables (developer.aliyun.com/ask/220871): notification
//     templates applied for since 2018-01-10 take 1–35 characters a
//     variable; notification templates carry no personal mobile numbers
//     and no links in variables, contacts only as fixed lines, 400 or 95
//     numbers (document_detail/463270.htm); a phone variable must match
//     its property (isv.TEMPLATE_PARAMS_ILLEGAL otherwise,
//     developer.aliyun.com/ask/651530; TemplateRule phone_number2,
//     document_detail/2806243.html); 【】 never inside a template.
//   - Error codes (document_detail/101346.html): isv.* refusals (template,
//     signature, number, parameters: for good), isv.DAY_LIMIT_CONTROL,
//     isv.MONTH_LIMIT_CONTROL, isv.OUT_OF_SERVICE (the account: retried);
//     blacklist receipts such as W-BLACK (document_detail/2679007.html):
//     the number's owner complained of the signature's messages.
package aliyun
