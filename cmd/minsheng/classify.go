package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/minsheng/minsheng/intake/classify"
	"github.com/spf13/cobra"
)

func newTrain(g *globals) *cobra.Command {
	var data, out string
	var folds int
	var seed int64
	cmd := &cobra.Command{
		Use:   "train --data FILE.jsonl --out MODEL",
		Short: "Train the category model; print cross-validated per-class and macro F1",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if data == "" || out == "" {
				return usageError{fmt.Errorf("train needs --data FILE.jsonl and --out MODEL")}
			}
			f, err := os.Open(data)
			if err != nil {
				return usageError{fmt.Errorf("training data: %w", err)}
			}
			examples, err := classify.ReadJSONL(f)
			f.Close()
			if err != nil {
				return err
			}
			opts := classify.DefaultOptions()
			opts.Seed = seed
			if folds >= 2 {
				rep, err := classify.CrossValidate(examples, folds, opts, seed)
				if err != nil {
					return err
				}
				fmt.Fprint(g.stdout, rep.String())
			}
			m, err := classify.Train(examples, opts)
			if err != nil {
				return err
			}
			w, err := os.Create(out)
			if err != nil {
				return err
			}
			if _, err := m.WriteTo(w); err != nil {
				w.Close()
				return fmt.Errorf("write model: %w", err)
			}
			if err := w.Close(); err != nil {
				return fmt.Errorf("write model: %w", err)
			}
			fmt.Fprintf(g.stderr, "model written to %s (%d examples, %d features); use it with intake.classifier.model\n", out, len(examples), m.Features())
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", `labelled JSONL: {"id","title","text","label"} per line`)
	cmd.Flags().StringVar(&out, "out", "", "where to write the model")
	cmd.Flags().IntVar(&folds, "folds", 5, "cross-validation folds (0: skip)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed for the folds and the training order (the same seed and data give the same model)")
	return cmd
}

func newClassify(g *globals) *cobra.Command {
	var modelPath string
	cmd := &cobra.Command{
		Use:   "classify [--model MODEL]",
		Short: `Read JSONL {"id","text"} on stdin, write {"id","category","confidence"} per line`,
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			m, err := classify.Load(modelPath)
			if err != nil {
				return err
			}
			m = classify.Folding(m)
			in := bufio.NewScanner(g.stdin)
			in.Buffer(make([]byte, 64<<10), 4<<20)
			enc := json.NewEncoder(g.stdout)
			enc.SetEscapeHTML(false)
			n := 0
			for in.Scan() {
				n++
				line := in.Bytes()
				if len(line) == 0 {
					continue
				}
				var rec struct {
					ID    json.RawMessage `json:"id"`
					Title string          `json:"title"`
					Text  string          `json:"text"`
				}
				if err := json.Unmarshal(line, &rec); err != nil {
					return fmt.Errorf("line %d: not a JSON object: %w", n, err)
				}
				text := rec.Text
				if rec.Title != "" {
					text = rec.Title + " " + text
				}
				label, conf := m.Classify(text)
				if err := enc.Encode(struct {
					ID         json.RawMessage `json:"id"`
					Category   string          `json:"category"`
					Confidence float64         `json:"confidence"`
				}{rec.ID, label, float64(int(conf*1000+0.5)) / 1000}); err != nil {
					return err
				}
			}
			return in.Err()
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model from `minsheng train` (default: the embedded model)")
	return cmd
}
