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
// forecast; the errors are nil when the history is too short.
type Backtest struct {
	Weeks         int      `json:"weeks"`
	HorizonDays   int      `json:"horizon_days"`
	MAE           *float64 `json:"mae"`
	MAENaive      *float64 `json:"mae_seasonal_naive"`
	BeatsBaseline bool     `json:"beats_seasonal_naive"`
}

// Report is a fitted forecast of one series, with its backtest.
type Report struct {
	Source   string         `json:"source"`
	Series   string         `json:"series"`
	Start    string         `json:"history_start"`
	End      string         `json:"history_end"`
	Days     int            `json:"history_days"`
	Model    forecast.Model `json:"model"`
	Forecast []Row          `json:"forecast"`
	Backtest Backtest       `json:"backtest"`
}

// Options choose the forecast.
type Options struct {
	// Days to forecast, 1 to MaxDays.
	Days int
	// Linear fits the counts as they are (a mean forecast, a symmetric
	// interval) instead of on the log(1+count) scale.
	Linear bool
}

// Predict fits additive Holt-Winters with a weekly season to s (on the
// log(1+count) scale for counts unless opts.Linear), forecasts opts.Days
// days with 80% intervals, and backtests the same fit over the last
// BacktestWeeks weeks against the seasonal-naive forecast. source names
// where s came from.
func Predict(s Series, source string, opts Options) (Report, error) {
	if opts.Days < 1 || opts.Days > MaxDays {
		return Report{}, fmt.Errorf("forecast: %d days: want 1 to %d", opts.Days, MaxDays)
	}
	fit := forecast.FitCounts
	if opts.Linear {
		fit = forecast.Fit
	}
	model := fit(s.Values, Season)
	mean, lo, hi := model.Forecast(opts.Days)
	rep := Report{
		Source: source, Series: s.Name, Days: len(s.Values), Model: model,
		Start: s.Start.Format(Day), End: s.End().Format(Day),
		Backtest: Backtest{Weeks: BacktestWeeks, HorizonDays: Season},
	}
	for i := range mean {
		rep.Forecast = append(rep.Forecast, Row{
			Date:     s.Date(len(s.Values) + i).Format(Day),
			Forecast: mean[i], Low80: lo[i], High80: hi[i],
		})
	}
	mae, naive := forecast.BacktestWith(fit, s.Values, Season, Season, BacktestWeeks)
	if !math.IsNaN(mae) && !math.IsNaN(naive) {
		rep.Backtest.MAE, rep.Backtest.MAENaive = &mae, &naive
		rep.Backtest.BeatsBaseline = mae < naive
	}
	return rep, nil
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
