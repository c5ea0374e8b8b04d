package dialog

import "unicode/utf16"

// gsm7Basic is the GSM 03.38 default alphabet; gsm7Extension the characters
// sent with an escape (two septets each). A body with any other character
// goes as UCS-2, which is what makes Chinese SMS cost more.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extension = "\f^{}\\[~]|€"
)

var gsm7Septets = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// Segments is how many SMS a body is billed as (what replies are measured
// in, and what offices pay): GSM-7 160 septets in one
// segment, 153 per segment when concatenated; UCS-2 70 characters, 67 when
// concatenated (UTF-16 units: an emoji counts twice). An empty body is one
// segment.
func Segments(body string) int {
	septets, units, gsm := 0, 0, true
	for _, r := range body {
		units += utf16.RuneLen(r)
		if n, ok := gsm7Septets[r]; ok {
			septets += n
		} else {
			gsm = false
		}
	}
	single, multi, n := 160, 153, septets
	if !gsm {
		single, multi, n = 70, 67, units
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
