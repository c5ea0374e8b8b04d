package understand

import "testing"

func TestParseCommand(t *testing.T) {
	const id = "MS-20260311-K7Q2P"
	tests := []struct {
		in   string
		want Command
		arg  string
	}{
		// Query, both scripts, full width, ids in every spelling.
		{"查询", Query, ""},
		{"查詢", Query, ""},
		{"进度", Query, ""},
		{"進度", Query, ""},
		{"查询进度", Query, ""},
		{"查詢進度？", Query, ""},
		{"查进度", Query, ""},
		{" 查 询 ", Query, ""},
		{"查询一下", Query, ""},
		{"我想查询一下进度", None, ""}, // "一下" in the middle: not a wrapped keyword
		{"我要查询", Query, ""},
		{"请帮我查一下进度，谢谢", Query, ""},
		{"查询 MS-20260311-K7Q2P", Query, id},
		{"查询ms20260311k7q2p", Query, id},
		{"查詢 ＭＳ－２０２６０３１１－Ｋ７Ｑ２Ｐ", Query, id},
		{"进度 ms-20260311-k7q2p。", Query, id},
		{"MS 20260311 K7Q2P 进度", Query, id},
		{"MS-20260311-K7Q2P", Query, id},
		{"ms20260311k7q2p？", Query, id},
		{"MS-20261311-K7Q2P", None, ""},        // month 13: not an id
		{"MS-20260311-K7Q2PX", None, ""},       // glued to more letters
		{"MS-20260311-K7Q2P 路灯还是没修", None, ""}, // an id plus content: a supplement
		{"ＱＵＥＲＹ", Query, ""},
		// Cancel.
		{"取消", Cancel, ""},
		{"取消。", Cancel, ""},
		{"请取消", Cancel, ""},
		{"取消吧", Cancel, ""},
		{"我要取消", Cancel, ""},
		{"撤销", Cancel, ""},
		{"算了", Cancel, ""},
		{"不投诉了", Cancel, ""},
		{"取消 MS-20260311-K7Q2P", Cancel, id},
		{"物业说要取消我家的停车位", None, ""},
		{"不要取消", None, ""},
		{"别取消", None, ""},
		// Human.
		{"人工", Human, ""},
		{"转人工", Human, ""},
		{"轉人工", Human, ""},
		{"人工服务", Human, ""},
		{"人工服務！", Human, ""},
		{"我要人工", Human, ""},
		{"请回电", Human, ""},
		{"人工智能占用了我家的宅基地", None, ""},
		// Help.
		{"帮助", Help, ""},
		{"幫助", Help, ""},
		{"帮助？", Help, ""},
		{"HELP", Help, ""},
		{"?", None, ""},
		{"？", None, ""},
		{"帮助我们小区解决停车难", None, ""},
		// Unsubscribe.
		{"退订", Unsubscribe, ""},
		{"退訂", Unsubscribe, ""},
		{"退 订！", Unsubscribe, ""},
		{"TD", Unsubscribe, ""},
		{"td", Unsubscribe, ""},
		{"ＴＤ", Unsubscribe, ""},
		{"STOP", Unsubscribe, ""},
		{"stop", Unsubscribe, ""},
		{"Stop", Unsubscribe, ""},
		{"ＳＴＯＰ", Unsubscribe, ""},
		{"Stop.", Unsubscribe, ""},
		{"unsubscribe", Unsubscribe, ""},
		{"取消订阅", Unsubscribe, ""}, // the whole word wins over 取消
		{"不要再发了", Unsubscribe, ""},
		{"别再发短信了", Unsubscribe, ""},
		{"退订 谢谢", Unsubscribe, ""},
		{"td🙏", Unsubscribe, ""},
		{"stop the noise at night please", None, ""},
		{"我想退订之前的宽带业务但是营业厅不给办", None, ""},
		// Subscribe.
		{"订阅", Subscribe, ""},
		{"訂閱", Subscribe, ""},
		{"START", Subscribe, ""},
		{"start", Subscribe, ""},
		{"ｓｔａｒｔ", Subscribe, ""},
		{"重新订阅", Subscribe, ""},
		{"我要订阅", Subscribe, ""},
		// Not commands.
		{"", None, ""},
		{"   ", None, ""},
		{"你好", None, ""},
		{"路灯坏了", None, ""},
		{"我想查询一下我上次反映的路灯问题", None, ""},
		{"查询一下我们小区的物业费标准", None, ""},
		{"进度太慢了，一个月都没人来", None, ""},
		{"13912345678", None, ""},
		{"1", None, ""},
	}
	for _, tt := range tests {
		got, arg := ParseCommand(tt.in)
		if got != tt.want || arg != tt.arg {
			t.Errorf("ParseCommand(%q) = %v, %q; want %v, %q", tt.in, got, arg, tt.want, tt.arg)
		}
	}
}

func TestPetitionID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"我的编号是MS-20260311-K7Q2P，请查一下", "MS-20260311-K7Q2P"},
		{"ms_20260101_abcde", "MS-20260101-ABCDE"},
		{"ＭＳ２０２６０３１１ｋ７ｑ２ｐ", "MS-20260311-K7Q2P"},
		{"xMS-20260311-K7Q2P", ""},
		{"MS-2026031-K7Q2P", ""},
		{"MS-20260332-K7Q2P", ""},
		{"没有编号", ""},
	}
	for _, tt := range tests {
		if got := PetitionID(tt.in); got != tt.want {
			t.Errorf("PetitionID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCommandString(t *testing.T) {
	if Unsubscribe.String() != "Unsubscribe" || Command(99).String() != "Command(?)" {
		t.Errorf("String: %q %q", Unsubscribe.String(), Command(99).String())
	}
}
