package forecast

import (
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/cyberstreams/cyberstreams/ml/forecast"
)

// Weekly seasonality and the backtest window of a forecast: eight rolling
// origins one week apart, each forecasting the following week.
const (
	Season        = 7
	BacktestWeeks = 8
)

// MaxDays is the longest forecast asked for.
const MaxDays = 366

// Row is one forecast day.
type Row struct {
	Date     string  `json:"date"`
	Forecast float64 `json:"forecast"`
	Low80    float64 `json:"low80"`
	High80   float64 `json:"high80"`
}

// Backtest is the rolling-origin comparison with the seasonal-naive
// forecast (ml/forecast.Evaluate); the numbers are nil when the history is
// too short.
type Backtest struct {
	Weeks         int      `json:"weeks"`
	HorizonDays   int      `json:"horizon_days"`
	MAE           *float64 `json:"mae"`
	MAENaive      *float64 `json:"mae_seasonal_naive"`
	BeatsBaseline bool     `json:"beats_seasonal_naive"`
	// RelativeMAE is MAE / MAENaive: the MASE scaled by the seasonal-naive
	// forecast's error on the same days (below 1: the model wins).
	RelativeMAE *float64 `json:"mase_vs_seasonal_naive"`
	// MASE is Hyndman & Koehler's, scaled by the in-sample seasonal-naive
	// error of the history each week was fitted to.
	MASE *float64 `json:"mase_in_sample_scale"`
	// Coverage80 is the share of the backtest's days inside the 80 % band
	// the forecast gives; CoverageNormal80 that of the normal-theory band.
	Coverage80       *float64 `json:"coverage80"`
	CoverageNormal80 *float64 `json:"coverage80_normal_band"`
	// WeekAccuracy is 1 − the mean absolute percentage error of each
	// week's forecast total (weeks with no event are not scored);
	// WeekAccuracyNaive the same for last week's total.
	WeekAccuracy      *float64 `json:"week_accuracy"`
	WeekAccuracyNaive *float64 `json:"week_accuracy_seasonal_naive"`
}

// Point is one day of history.
type Point struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
}

// HistoryDays is how much history a report carries for its plot.
const HistoryDays = 8 * Season

// Report is a fitted forecast of one series, with its backtest.
type Report struct {
	Source string         `json:"source"`
	Series string         `json:"series"`
	Start  string         `json:"history_start"`
	End    string         `json:"history_end"`
	Days   int            `json:"history_days"`
	Model  forecast.Model `json:"model"`
	// Band says how the 80 % interval was made: "empirical" (quantiles of
	// the model's own errors at each horizon over the last BandWindow
	// origins) or "normal" (normal-theory, Options.NormalBand).
	Band     string   `json:"band"`
	Recent   []Point  `json:"recent"` // the last HistoryDays days of history
	Forecast []Row    `json:"forecast"`
	Backtest Backtest `json:"backtest"`
}

// Options choose the forecast.
type Options struct {
	// Days to forecast, 1 to MaxDays.
	Days int
	// Linear fits the counts as they are (a mean forecast, a symmetric
	// interval) instead of on the log(1+count) scale.
	Linear bool
	// NormalBand gives the normal-theory 80 % interval of FPP §8.7
	// instead of the empirical one.
	NormalBand bool
}

// Predict fits additive Holt-Winters with a weekly season to s (on the
// log(1+count) scale for counts unless opts.Linear), forecasts opts.Days
// days with an 80 % interval, and backtests the same method over the last
// BacktestWeeks weeks against the seasonal-naive forecast. The interval is
// empirical unless opts.NormalBand: the 10th and 90th percentiles of the
// model's own k-step errors over the last BandWindow origins
// (ml/forecast.CalibrateBand). source names where s came from.
func Predict(s Series, source string, opts Options) (Report, error) {
	if opts.Days < 1 || opts.Days > MaxDays {
		return Report{}, fmt.Errorf("forecast: %d days: want 1 to %d", opts.Days, MaxDays)
	}
	method := forecast.Method{Fit: forecast.FitCounts, BandWindow: BandWindow}
	if opts.Linear {
		method.Fit = forecast.Fit
	}
	band := "empirical"
	if opts.NormalBand {
		method.BandWindow = 0
		band = "normal"
	}
	model := method.Fit(s.Values, Season)
	mean, lo, hi := model.Forecast(opts.Days)
	if method.BandWindow > 0 {
		mean, lo, hi = model.ForecastBand(opts.Days, forecast.CalibrateBand(s.Values, model, opts.Days, method.BandWindow, 0.8))
	}
	rep := Report{
		Source: source, Series: s.Name, Days: len(s.Values), Model: model, Band: band,
		Start: s.Start.Format(Day), End: s.End().Format(Day),
		Backtest: Backtest{Weeks: BacktestWeeks, HorizonDays: Season},
	}
	for i := max(len(s.Values)-HistoryDays, 0); i < len(s.Values); i++ {
		rep.Recent = append(rep.Recent, Point{Date: s.Date(i).Format(Day), Value: s.Values[i]})
	}
	for i := range mean {
		rep.Forecast = append(rep.Forecast, Row{
			Date:     s.Date(len(s.Values) + i).Format(Day),
			Forecast: mean[i], Low80: lo[i], High80: hi[i],
		})
	}
	ev := forecast.Evaluate(method, s.Values, Season, Season, BacktestWeeks)
	if !math.IsNaN(ev.MAE) && !math.IsNaN(ev.MAENaive) {
		b := &rep.Backtest
		b.MAE, b.MAENaive = num(ev.MAE), num(ev.MAENaive)
		b.BeatsBaseline = ev.MAE < ev.MAENaive
		b.RelativeMAE, b.MASE = num(ev.RelativeMAE), num(ev.MASE)
		b.Coverage80, b.CoverageNormal80 = num(ev.Coverage), num(ev.CoverageParametric)
		b.WeekAccuracy, b.WeekAccuracyNaive = num(ev.WeekAccuracy), num(ev.WeekAccuracyNaive)
	}
	return rep, nil
}

// num is a pointer to v, or nil when v is not a finite number (JSON has
// no NaN).
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// UnknownSeriesError: the series asked for is not among those read.
type UnknownSeriesError struct {
	Name, Source string
	Have         []string
}

func (e *UnknownSeriesError) Error() string {
	return fmt.Sprintf("%q: %s has %s", e.Name, e.Source, strings.Join(e.Have, ", "))
}

// Pick returns the series named name (case-insensitive), or the first when
// name is empty; source names where the series came from, for the error.
func Pick(series []Series, name, source string) (Series, error) {
	if len(series) == 0 {
		return Series{}, fmt.Errorf("forecast: %s holds no series", source)
	}
	if name == "" {
		return series[0], nil
	}
	have := make([]string, len(series))
	for i, s := range series {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
		have[i] = s.Name
	}
	return Series{}, &UnknownSeriesError{Name: name, Source: source, Have: have}
}

// ReadCSVFile reads the series of a CSV file (see ReadCSV).
func ReadCSVFile(path string) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// BandWindow is how many recent origins' errors set the empirical 80 %
// band (ml/forecast.CalibrateBand), chosen on the shared series' 2023
// segments (bench/forecast).
const BandWindow = 182
