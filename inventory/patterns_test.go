package inventory

import "testing"

var patternSeeds = []string{
	"", "123456789012", "12345678901", "1234567890123", "12345678901a", "١٢٣٤٥٦٧٨٩٠١٢",
	"eu-west-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-west-10",
	"eu-west-100", "EU-west-1", "eu-west-", "eu--1", "eu-west-1a", "euw-west-1", "e-west-1", "us-gov-1",
	"us-iso-1", "us-isob-1", "us-iso-gov-1", "cn-north-1", "eu-west-1\n", "eu-west-٣",
	"a@b.c", "@b.c", "a@.c", "a@b.", "a@bc", "a@@b.c", "a b@c.d", "a@b.c.d", "ä@ö.ü", "a@b\t.c",
	"a@b..c", "a@.b.", "\xff@\xfe.\xfd", "a@b.c\n", "aws+x-1@example.com",
	"vpc-0a1b2c3d", "vpc-0a1b2c3d4e5f60718", "vpc-0a1b2c3d4e5f6071", "vpc-0a1b2c3", "vpc-0A1B2C3D", "vpc-0a1b2c3g",
	"eni-0123456789abcdef0", "eni-0123456789abcdef", "eni-", "vpc-", "eni-0a1b2c3d\n", "xvpc-0a1b2c3d",
}

// The hand-written matchers Validate uses say what the published patterns say.
func TestMatchersFollowPatterns(t *testing.T) {
	for _, s := range patternSeeds {
		comparePatterns(t, s)
	}
}

func FuzzMatchersFollowPatterns(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	f.Fuzz(comparePatterns)
}

func comparePatterns(t *testing.T, s string) {
	if got, want := isAccountID(s), accountIDPattern.MatchString(s); got != want {
		t.Errorf("isAccountID(%q) = %v, pattern says %v", s, got, want)
	}
	if got, want := isRegion(s), regionPattern.MatchString(s); got != want {
		t.Errorf("isRegion(%q) = %v, pattern says %v", s, got, want)
	}
	if got, want := isHexID(s, "vpc-"), vpcIDPattern.MatchString(s); got != want {
		t.Errorf("isHexID(%q, vpc-) = %v, pattern says %v", s, got, want)
	}
	if got, want := isHexID(s, "eni-"), eniIDPattern.MatchString(s); got != want {
		t.Errorf("isHexID(%q, eni-) = %v, pattern says %v", s, got, want)
	}
	if got, want := isEmail(s), EmailPattern.MatchString(s); got != want {
		t.Errorf("isEmail(%q) = %v, pattern says %v", s, got, want)
	}
}
