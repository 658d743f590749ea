package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAWSProfiles(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte("[default]\nregion = eu-west-1\n\n[profile mgmt]\nsso_session = corp\nregion = us-east-1\n[sso-session corp]\nsso_region = us-east-1\n[profile audit]\nrole_arn = arn:aws:iam::1:role/x\n"), 0o644)
	os.WriteFile(creds, []byte("[ci]\naws_access_key_id = AKIA\naws_secret_access_key = x\n"), 0o644)
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	ps, err := AWSProfiles()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name+"="+p.Detail)
	}
	got := strings.Join(names, "; ")
	want := "audit=assumes arn:aws:iam::1:role/x; ci=access key; default=eu-west-1; mgmt=us-east-1 · IAM Identity Center (run aws sso login first)"
	if got != want {
		t.Fatalf("profiles:\n got %s\nwant %s", got, want)
	}
}
