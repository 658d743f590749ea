package session

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Profile is a named profile of the user's AWS configuration.
type Profile struct {
	Name string
	// Detail says the region and how the profile gets credentials (SSO, a role, an access key).
	Detail string
}

// AWSProfiles lists the profiles in the user's AWS config and credentials files (AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials), as the AWS CLI does:
// "[profile NAME]" and "[default]" sections in config, "[NAME]" in credentials. The detail says
// the region and whether it is an IAM Identity Center (SSO) profile.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
func AWSProfiles() ([]Profile, error) {
	home, _ := os.UserHomeDir()
	config := os.Getenv("AWS_CONFIG_FILE")
	if config == "" {
		config = filepath.Join(home, ".aws", "config")
	}
	creds := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if creds == "" {
		creds = filepath.Join(home, ".aws", "credentials")
	}
	found := map[string]map[string]string{}
	var firstErr error
	for _, f := range []struct {
		path   string
		config bool
	}{{config, true}, {creds, false}} {
		if err := readProfiles(f.path, f.config, found); err != nil && !os.IsNotExist(err) && firstErr == nil {
			firstErr = err
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Profile, 0, len(names))
	for _, n := range names {
		kv := found[n]
		var detail []string
		if r := kv["region"]; r != "" {
			detail = append(detail, r)
		}
		switch {
		case kv["sso_session"] != "" || kv["sso_start_url"] != "":
			detail = append(detail, "IAM Identity Center (run aws sso login first)")
		case kv["role_arn"] != "":
			detail = append(detail, "assumes "+kv["role_arn"])
		case kv["aws_access_key_id"] != "":
			detail = append(detail, "access key")
		}
		out = append(out, Profile{Name: n, Detail: strings.Join(detail, " · ")})
	}
	return out, firstErr
}

// profileKeys are the settings the profile list shows; nothing else is kept (secret keys in the
// credentials file are not kept).
var profileKeys = map[string]bool{"region": true, "sso_session": true, "sso_start_url": true, "role_arn": true, "aws_access_key_id": true}

func readProfiles(path string, config bool, into map[string]map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var cur map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := strings.TrimSpace(line[1 : len(line)-1])
			cur = nil
			switch {
			case config && name == "default":
			case config && strings.HasPrefix(name, "profile "):
				name = strings.TrimSpace(strings.TrimPrefix(name, "profile "))
			case config:
				continue // [sso-session x], [services x]: not profiles
			}
			if into[name] == nil {
				into[name] = map[string]string{}
			}
			cur = into[name]
			continue
		}
		if cur == nil {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			k = strings.TrimSpace(k)
			if _, seen := cur[k]; !seen && profileKeys[k] {
				cur[k] = strings.TrimSpace(v)
			}
		}
	}
	return sc.Err()
}
