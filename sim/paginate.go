package sim

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

// tokenPrefix marks the simulator's page tokens. A token holds the key of the last item returned,
// not an offset: pages stay stable across calls and when later operations add or remove items.
const tokenPrefix = "lz2ct-sim:"

// paginate returns the page of items (sorted by key) that follows token, at most size long, and
// the token for the next page ("" on the last page). ok is false when the token is not one the
// simulator handed out.
func paginate[T any](items []T, key func(T) string, token string, size int) (page []T, next string, ok bool) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || !strings.HasPrefix(string(raw), tokenPrefix) {
			return nil, "", false
		}
		last := strings.TrimPrefix(string(raw), tokenPrefix)
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > last })
	}
	end := start + size
	if end >= len(items) {
		return items[start:], "", true
	}
	page = items[start:end]
	return page, base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + key(page[len(page)-1]))), true
}

// pageSize applies a service's default and maximum page size to the requested one (0 = not given).
// It returns an error message when the request is out of range, as AWS rejects it.
func pageSize(requested, def, max int, member string) (int, string) {
	if requested == 0 {
		return def, ""
	}
	if requested < 1 || requested > max {
		return 0, "1 validation error detected: Value '" + strconv.Itoa(requested) + "' at '" + member + "' failed to satisfy constraint: Member must have value between 1 and " + strconv.Itoa(max)
	}
	return requested, ""
}

// badToken is the service's error for a token the simulator did not hand out.
func (c *call) badToken() *apiError {
	return errorf(400, c.svc.badToken, "Invalid pagination token")
}

// page is paginate plus the service's errors for bad tokens and sizes.
func page[T any](c *call, items []T, key func(T) string, token string, requested, def, max int, member string) ([]T, string, error) {
	size, msg := pageSize(requested, def, max, member)
	if msg != "" {
		return nil, "", errorf(400, c.svc.validation, "%s", msg)
	}
	out, next, ok := paginate(items, key, token, size)
	if !ok {
		return nil, "", c.badToken()
	}
	return out, next, nil
}

func strKey(s string) string { return s }
