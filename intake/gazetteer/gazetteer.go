// Package gazetteer reads the deployment's counties and towns from a plain
// text file (config intake.places_file), so the place extractor knows them
// and fills a petition's location.county and location.town.
//
// The format, one county or town per line, UTF-8:
//
//	# a comment; blank lines are ignored
//	谯城区 谯城              # a county, then other spellings of it
//	谯城区/汤陵街道 汤陵 汤陵办  # a town of that county, then its other spellings
//
// Fields are separated by spaces or tabs; "#" starts a comment. A name is
// at most 32 characters, letters and digits only (Han, Latin, digits and
// "·"), so a line that is not a place fails loudly rather than matching
// stray words.
package gazetteer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Place is one county, or one town of a county, with its other spellings.
type Place struct {
	County, Town string
	Aliases      []string
}

// Limits keep a mistaken file (a log, a binary) from being read as places.
const (
	MaxFileBytes = 4 << 20
	maxNameRunes = 32
	maxAliases   = 16
)

// Load reads and parses the gazetteer at path.
func Load(path string) ([]Place, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	defer f.Close()
	ps, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("gazetteer %s: %w", path, err)
	}
	return ps, nil
}

// Parse reads a gazetteer. The error names the first bad line.
func Parse(r io.Reader) ([]Place, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a BOM from Windows editors
	var out []Place
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxFileBytes)
	for n := 1; sc.Scan(); n++ {
		p, ok, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !ok {
			continue
		}
		key := p.County + "/" + p.Town
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("line %d: %s is already on line %d", n, key, first)
		}
		seen[key] = n
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return out, nil
}

// parseLine reads one line; ok is false for a blank or comment line.
func parseLine(line string) (Place, bool, error) {
	if !utf8.ValidString(line) {
		return Place{}, false, errors.New("not UTF-8")
	}
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return Place{}, false, nil
	}
	county, town, hasTown := strings.Cut(fields[0], "/")
	if strings.Contains(town, "/") {
		return Place{}, false, fmt.Errorf("%q: one county/town per line", fields[0])
	}
	if hasTown && town == "" {
		return Place{}, false, fmt.Errorf("%q: town missing after /", fields[0])
	}
	p := Place{County: county, Town: town}
	if len(fields)-1 > maxAliases {
		return Place{}, false, fmt.Errorf("more than %d other spellings", maxAliases)
	}
	p.Aliases = fields[1:]
	for _, name := range append([]string{county, town}, p.Aliases...) {
		if name == "" && !hasTown {
			continue // no town on a county line
		}
		if err := checkName(name); err != nil {
			return Place{}, false, err
		}
	}
	return p, true, nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("county missing before /")
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		return fmt.Errorf("%q: longer than %d characters", name, maxNameRunes)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '·' {
			return fmt.Errorf("%q: %q is not part of a place name", name, r)
		}
	}
	return nil
}
