package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of environment overrides.
const EnvPrefix = "MINSHENG"

// FileError means the config file could not be read or parsed at all.
// The command line reports it in one line and exits 2.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("config file %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Problems lists everything wrong with a configuration, one line each
// ("key: reason"). The command line prints them all and exits 1.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid configuration (%d problems):\n  %s", len(p), strings.Join(p, "\n  "))
}

// Load reads path (empty: no file) over the defaults and the environment,
// then validates. On a bad value it still returns the best configuration it
// could build, with a Problems error; on an unreadable file, a *FileError.
func Load(path string) (*Config, error) {
	v := viper.New()
	def := Default()
	setDefaults(v, "", reflect.ValueOf(def))
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AllowEmptyEnv(true)
	v.AutomaticEnv()

	if path != "" {
		if err := readFile(v, path); err != nil {
			return nil, err
		}
	}

	var cfg Config
	var problems Problems
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.ZeroFields = true // a list in the file replaces the default list
	})
	if err != nil {
		problems = append(problems, decodeProblems(err)...)
	}
	problems = append(problems, cfg.Validate()...)
	if len(problems) > 0 {
		return &cfg, problems
	}
	return &cfg, nil
}

func readFile(v *viper.Viper, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &FileError{Path: path, Err: errors.New("no such file")}
		}
		return &FileError{Path: path, Err: err}
	}
	if st.IsDir() {
		return &FileError{Path: path, Err: errors.New("is a directory")}
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml") // whatever the extension: the format is YAML
	if err := v.ReadInConfig(); err != nil {
		// Parser errors span lines; the command line wants one.
		msg := strings.Join(strings.Fields(err.Error()), " ")
		return &FileError{Path: path, Err: errors.New(msg)}
	}
	return nil
}

// setDefaults registers every leaf key of the defaults with viper, so that
// AutomaticEnv can override each of them (viper ignores env for unknown keys).
func setDefaults(v *viper.Viper, prefix string, rv reflect.Value) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := f.Tag.Get("mapstructure")
		if key == "" {
			continue
		}
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := rv.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type.String() != "time.Duration" {
			setDefaults(v, key, fv)
			continue
		}
		v.SetDefault(key, fv.Interface())
	}
}

// decodeProblems turns mapstructure's joined errors into one line each.
func decodeProblems(err error) Problems {
	var out Problems
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "decoding failed due to the following error(s):")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// Keys lists every configuration key of the defaults, dotted, sorted. Lists
// and maps count as one key.
func Keys() []string {
	v := viper.New()
	setDefaults(v, "", reflect.ValueOf(Default()))
	keys := v.AllKeys()
	sort.Strings(keys)
	return keys
}
