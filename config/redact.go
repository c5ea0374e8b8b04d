package config

import (
	"fmt"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// Redacted is a copy of c with every secret that is set replaced by "***".
func (c Config) Redacted() Config {
	cp := c
	redact(reflect.ValueOf(&cp).Elem())
	return cp
}

func redact(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case f.Tag.Get("secret") == "true" && fv.Kind() == reflect.String:
			if fv.String() != "" {
				fv.SetString("***")
			}
		case fv.Kind() == reflect.Struct:
			redact(fv)
		}
	}
}

// YAML renders the configuration as YAML in the shape of the file.
func (c Config) YAML() ([]byte, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return b, nil
}

// Location is the configured time zone; the zone is validated, so a failure
// here falls back to Asia/Shanghai's fixed offset rather than UTC.
func (c *Config) Location() *time.Location {
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}
