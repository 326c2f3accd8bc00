package sqlsink

import "testing"

func TestFitDecimal(t *testing.T) {
	tests := []struct {
		Name        string
		In          string
		Prec, Scale int
		Want        string
		WantOK      bool
	}{
		{Name: "Fits", In: "-12345678.90", Prec: 10, Scale: 2, Want: "-12345678.90", WantOK: true},
		{Name: "ZerosDropped", In: "1.5000", Prec: 10, Scale: 2, Want: "1.50", WantOK: true},
		{Name: "PointDropped", In: "7.00", Prec: 10, Scale: 0, Want: "7", WantOK: true},
		{Name: "LeadingZero", In: "0.5", Prec: 1, Scale: 1, Want: "0.5", WantOK: true},
		{Name: "Integer", In: "123", Prec: 3, Scale: 0, Want: "123", WantOK: true},
		{Name: "Scale", In: "1.501", Prec: 10, Scale: 2},
		{Name: "IntDigits", In: "123456789", Prec: 10, Scale: 2},
		{Name: "NegativeIntDigits", In: "-1000", Prec: 5, Scale: 2},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, ok := FitDecimal(tt.In, tt.Prec, tt.Scale)
			if got != tt.Want || ok != tt.WantOK {
				t.Errorf("FitDecimal(%q, %d, %d) = %q, %v; want %q, %v", tt.In, tt.Prec, tt.Scale, got, ok, tt.Want, tt.WantOK)
			}
		})
	}
}
