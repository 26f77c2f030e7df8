package lgbm_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cyberstreams/cyberstreams/ml/lgbm"
	"github.com/cyberstreams/cyberstreams/ml/lgbm/lgbmtest"
)

// The testdata models were trained and saved by LightGBM 4.x on random
// synthetic data by bench/shap_vs_python/make_lgbm_testdata.py, which also
// stored LightGBM's raw scores for probe rows.
var lightGBMModels = []string{"multiclass_nan_cat", "binary_zero_missing", "constant_one_leaf"}

type expected struct {
	NumFeatures int          `json:"num_features"`
	Rows        [][]*float64 `json:"rows"`
	Raw         [][]float64  `json:"raw"`
}

func loadExpected(t *testing.T, name string) ([][]float64, [][]float64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rows := make([][]float64, len(e.Rows))
	for i, r := range e.Rows {
		rows[i] = make([]float64, len(r))
		for j, v := range r {
			if v == nil {
				rows[i][j] = math.NaN() // JSON has no NaN; the script writes null
			} else {
				rows[i][j] = *v
			}
		}
	}
	return rows, e.Raw
}

func TestPredictRawMatchesLightGBM(t *testing.T) {
	for _, name := range lightGBMModels {
		t.Run(name, func(t *testing.T) {
			m, err := lgbm.ReadFile(filepath.Join("testdata", name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			rows, raw := loadExpected(t, name)
			out := make([]float64, m.NumOutputs())
			sparseOut := make([]float64, m.NumOutputs())
			worst := 0.0
			for i, x := range rows {
				m.PredictRaw(x, out)
				idx, val := lgbmtest.Sparse(x)
				m.PredictRawSparse(idx, val, sparseOut)
				for k := range out {
					worst = max(worst, math.Abs(out[k]-raw[i][k]))
					if out[k] != sparseOut[k] {
						t.Errorf("row %d class %d: sparse %v != dense %v", i, k, sparseOut[k], out[k])
					}
				}
			}
			t.Logf("max |PredictRaw - lightgbm raw_score| = %.3g over %d rows", worst, len(rows))
			if worst > 1e-12 {
				t.Errorf("max |Δ| vs LightGBM = %g, want <= 1e-12", worst)
			}
		})
	}
}

func TestWriteReproducesLightGBMFileByteForByte(t *testing.T) {
	for _, name := range lightGBMModels {
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := lgbm.Read(bytes.NewReader(orig))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := lgbm.Write(&buf, m); err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(string(orig), "\nversion=v4\n", "\nversion=v3\n", 1)
			if got := buf.String(); got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := 0; i < min(len(gl), len(wl)); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %q\nwant %q", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("got %d lines, want %d", len(gl), len(wl))
			}
		})
	}
}
