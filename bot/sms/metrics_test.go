package sms_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// registryCounter finds a counter on the process registry by name and one
// label ("" for none): the channel's metrics are unexported, /metrics is
// what operators see.
func registryCounter(t testing.TB, h *harness, name, label, value string) prometheus.Collector {
	t.Helper()
	fams, err := h.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label == "" || hasLabel(m, label, value) {
				return constCounter{f.GetName(), m.GetCounter().GetValue()}
			}
		}
	}
	return constCounter{name, 0}
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// registryValue is a gathered counter's value.
func registryValue(t testing.TB, h *harness, name, label, value string) float64 {
	return registryCounter(t, h, name, label, value).(constCounter).value
}

// constCounter presents a gathered value to testutil.ToFloat64.
type constCounter struct {
	name  string
	value float64
}

func (c constCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc() }
func (c constCounter) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.desc(), prometheus.CounterValue, c.value)
}
func (c constCounter) desc() *prometheus.Desc {
	return prometheus.NewDesc(c.name, "gathered", nil, nil)
}
