package aliyuntest

import (
	"net/url"
	"testing"
)

// TestSignMatchesTheDocumentedExample: the signature documentation's
// worked example (DescribeRegions, AccessKey testid/testsecret).
func TestSignMatchesTheDocumentedExample(t *testing.T) {
	p := url.Values{
		"Timestamp": {"2016-02-23T12:46:24Z"}, "Format": {"XML"}, "AccessKeyId": {"testid"}, "Action": {"DescribeRegions"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"}, "Version": {"2014-05-26"},
		"SignatureVersion": {"1.0"},
	}
	if got, want := Sign("GET", p, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	p.Set("Action", "DescribeRegionz")
	if Sign("GET", p, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
		t.Error("a changed parameter signs the same")
	}
}
