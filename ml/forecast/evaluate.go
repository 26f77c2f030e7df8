package forecast

import "math"

// Evaluation is a rolling-origin backtest (FPP §5.10): at each of Folds
// origins Horizon days apart, ending at the last observation, the model is
// fitted to everything before the origin and forecasts the next Horizon
// days. All numbers are NaN when the series is too short.
type Evaluation struct {
	Folds, Horizon int
	// MAE of the model and of the seasonal-naive forecast over the same
	// days; RelativeMAE is their ratio (below 1: the model wins).
	MAE, MAENaive, RelativeMAE float64
	// MASE is the mean absolute scaled error of Hyndman & Koehler,
	// "Another look at measures of forecast accuracy" (IJF 2006): each
	// error divided by the in-sample MAE of the one-season-ago forecast on
	// the data the fold was fitted to.
	MASE float64
	// Coverage is the share of outcomes inside the 80 % band the
	// forecast gives (the empirical band when calibrated, see Method);
	// CoverageParametric that of the normal-theory band of Forecast.
	Coverage, CoverageParametric float64
	// WeekAccuracy is 1 − the mean absolute percentage error of the
	// forecast total (the sum of the point forecasts, medians for a count
	// model) over each fold's Horizon days, over the WeeksScored folds
	// whose actual total is above 0; WeekAccuracyNaive the same for the
	// seasonal-naive forecast (last week's total).
	WeekAccuracy, WeekAccuracyNaive float64
	WeeksScored                     int
}

// Method says how a backtest fits and bands: Fit (Fit or FitCounts), and
// when BandWindow > 0 the empirical band of CalibrateBand over that many
// origins of each fold's training data.
type Method struct {
	Fit        func(y []float64, season int) Model
	BandWindow int
}

// Evaluate backtests method on y.
func Evaluate(method Method, y []float64, season, h, folds int) Evaluation {
	nan := math.NaN()
	ev := Evaluation{Folds: folds, Horizon: h, MAE: nan, MAENaive: nan, RelativeMAE: nan, MASE: nan,
		Coverage: nan, CoverageParametric: nan, WeekAccuracy: nan, WeekAccuracyNaive: nan}
	if h < 1 || folds < 1 || season < 1 {
		return ev
	}
	first := len(y) - folds*h
	if first < 2*season || first < 2 {
		return ev
	}
	var sum, sumNaive, scaled, inside, insidePar, weekAPE, weekAPENaive float64
	for f := range folds {
		origin := first + f*h
		train, test := y[:origin], y[origin:origin+h]
		m := method.Fit(train, season)
		fc, plo, phi := m.Forecast(h)
		lo, hi := plo, phi
		if method.BandWindow > 0 {
			fc, lo, hi = m.ForecastBand(h, CalibrateBand(train, m, h, method.BandWindow, 0.8))
		}
		nv := SeasonalNaive(train, season, h)
		scale := naiveScale(train, season)
		var total, totalFc, totalNaive float64
		for i, v := range test {
			sum += math.Abs(v - fc[i])
			sumNaive += math.Abs(v - nv[i])
			scaled += math.Abs(v-fc[i]) / scale
			if within(v, lo[i], hi[i]) {
				inside++
			}
			if within(v, plo[i], phi[i]) {
				insidePar++
			}
			total += v
			totalFc += fc[i]
			totalNaive += nv[i]
		}
		if total > 0 {
			weekAPE += math.Abs(totalFc-total) / total
			weekAPENaive += math.Abs(totalNaive-total) / total
			ev.WeeksScored++
		}
	}
	n := float64(folds * h)
	ev.MAE, ev.MAENaive = sum/n, sumNaive/n
	ev.RelativeMAE = ev.MAE / ev.MAENaive
	ev.MASE = scaled / n
	ev.Coverage, ev.CoverageParametric = inside/n, insidePar/n
	if ev.WeeksScored > 0 {
		ev.WeekAccuracy = 1 - weekAPE/float64(ev.WeeksScored)
		ev.WeekAccuracyNaive = 1 - weekAPENaive/float64(ev.WeeksScored)
	}
	return ev
}

// naiveScale is the in-sample MAE of the seasonal-naive one-step forecast
// (y_t against y_{t−m}); 1 when it is 0, so a flat history scales nothing.
func naiveScale(y []float64, season int) float64 {
	var s float64
	n := 0
	for t := season; t < len(y); t++ {
		s += math.Abs(y[t] - y[t-season])
		n++
	}
	if n == 0 || s == 0 {
		return 1
	}
	return s / float64(n)
}

// within is lo ≤ v ≤ hi, forgiving the rounding of a band of zero width
// around an exact forecast.
func within(v, lo, hi float64) bool {
	tol := 1e-9 * (1 + math.Abs(v))
	return v >= lo-tol && v <= hi+tol
}
