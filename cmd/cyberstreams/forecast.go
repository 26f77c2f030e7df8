package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/forecast"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
)

// forecastOptions is what the forecast command was asked to do.
type forecastOptions struct {
	SeriesFile string // CSV file, "-" for stdin; "" for the workspace
	Column     string // series to forecast; "" for the first
	Source     string // workspace documents of this source only; "" for all
	Days       int
	Linear     bool // fit the counts as they are, not on the log(1+y) scale
	NormalBand bool // the normal-theory band instead of the empirical one
	Plot       bool // draw the chart even when stdout is not a terminal
	NoPlot     bool
}

func newForecastCmd(app *App) *cobra.Command {
	var opts forecastOptions
	cmd := &cobra.Command{
		Use:   "forecast",
		Short: "Forecast the next days of a daily count series",
		Long: `Forecast daily counts for the next --days days (default 7) with additive
Holt-Winters exponential smoothing: level, trend and a weekly season, with the
smoothing parameters chosen by grid search on one-step-ahead squared error
(Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", §8.3).

Without --series the series is the workspace's documents per published day:
"total", or one severity (critical, high, medium, low, informational; the
source's label, else the latest score) with --column, of every source or of
one with --source (the documents' source field, such as ghsa or kev). With
--series the file is a CSV with a header, a "date" column (YYYY-MM-DD,
ascending) and numeric columns; days missing between rows count as 0.
--column picks a column; the default is the first numeric one.

Counts (a series with no negative value) are modelled on the log(1+count)
scale (FPP §5.1/§8.7), so that one burst — a vendor's patch day, a KEV batch —
does not drag the forecast for days; the forecast is then the median count.
--linear fits the counts as they are (a mean forecast). Counts are never
forecast below 0.

The 80% band is empirical: at each horizon (1 day ahead, 2 days, …) the 10th
and 90th percentiles of the model's own errors from each of the last 182 days
of history, with the split-conformal rank correction. The normal-theory band
(--normal-band) assumes independent normal errors and is too wide on bursty
counts (it held 93-96% of outcomes on the shared GHSA and KEV series; the
empirical band 77-85%; bench/forecast).

Below the table, a rolling-origin backtest over the last 8 weeks (a fit before
each week, scored on that week) against the seasonal-naive forecast (each day
as it was a week earlier): MAE beside the naive MAE and their ratio (MASE with
the naive forecast's error as the scale; below 1 the model wins), the share of
days inside the 80% band, and 7-day accuracy: 1 − the mean absolute
percentage error of each week's forecast total, beside the same for last
week's total. On a terminal (or with --plot) a chart shows the last 8 weeks
and the forecast with its band.`,
		Example: `  cyberstreams forecast
  cyberstreams forecast --column critical --days 14
  cyberstreams forecast --source ghsa --plot
  cyberstreams forecast --series ghsa_daily_counts.csv --column high
  cyberstreams forecast --series kev_daily_additions.csv --json | jq '.backtest'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Days < 1 || opts.Days > forecast.MaxDays {
				return usagef("--days %d: want 1 to %d", opts.Days, forecast.MaxDays)
			}
			if opts.Source != "" && opts.SeriesFile != "" {
				return usagef("--source picks workspace documents; it does not apply to --series")
			}
			if opts.Plot && opts.NoPlot {
				return usagef("--plot and --no-plot contradict each other")
			}
			return forecastRun(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.SeriesFile, "series", "", `CSV file of daily values with a "date" column ("-" for stdin); default the workspace's daily document counts`)
	f.StringVar(&opts.Column, "column", "", `series to forecast: a CSV column, or for the workspace "total" or a severity (default the first)`)
	f.StringVar(&opts.Source, "source", "", "workspace documents of this source only (default all)")
	f.IntVar(&opts.Days, "days", 7, "days to forecast")
	f.BoolVar(&opts.Linear, "linear", false, "fit the counts as they are instead of on the log(1+count) scale")
	f.BoolVar(&opts.NormalBand, "normal-band", false, "normal-theory 80% band instead of the empirical one")
	f.BoolVar(&opts.Plot, "plot", false, "draw the chart even when the output is not a terminal")
	f.BoolVar(&opts.NoPlot, "no-plot", false, "no chart, even on a terminal")
	return cmd
}

func forecastRun(ctx context.Context, app *App, opts forecastOptions) error {
	series, source, err := loadForecastSeries(ctx, app, opts.SeriesFile, opts.Source)
	if err != nil {
		return err
	}
	s, err := forecast.Pick(series, opts.Column, source)
	var unknown *forecast.UnknownSeriesError
	if errors.As(err, &unknown) {
		return usagef("--column %s", unknown)
	}
	if err != nil {
		return err
	}
	rep, err := forecast.Predict(s, source, forecast.Options{Days: opts.Days, Linear: opts.Linear, NormalBand: opts.NormalBand})
	if err != nil {
		return err
	}
	if app.JSON {
		return writeJSON(app.IO.Out, rep)
	}
	if err := writeForecastTable(app.IO.Out, rep); err != nil {
		return err
	}
	if opts.Plot || (app.IO.OutIsTTY && !opts.NoPlot) {
		if _, err := fmt.Fprintf(app.IO.Out, "\n%s", forecast.Plot(rep, 8)); err != nil {
			return fmt.Errorf("write forecast: %w", err)
		}
	}
	return nil
}

func writeForecastTable(out io.Writer, rep forecast.Report) error {
	m := rep.Model
	// The series name comes from a CSV header and the source is a file name.
	fmt.Fprintf(out, "%s from %s: %d days, %s to %s\n", termsafe.Line(rep.Series, 60), termsafe.Strip(rep.Source), rep.Days, rep.Start, rep.End)
	scale := ""
	if m.Log {
		scale = " on log(1+count); forecast is the median"
	}
	fmt.Fprintf(out, "additive Holt-Winters%s, season %d: alpha %.3g, beta %.3g, gamma %.3g, residual sd %.3g; %s 80%% band\n\n",
		scale, m.Season, m.Alpha, m.Beta, m.Gamma, m.Sigma, rep.Band)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DATE\tFORECAST\t80% LOW\tHIGH\t")
	for _, r := range rep.Forecast {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t\n", r.Date, r.Forecast, r.Low80, r.High80)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	b := rep.Backtest
	if b.MAE == nil {
		_, err := fmt.Fprintf(out, "\nbacktest: not enough history (need %d weeks: 2 to fit, %d to score)\n", 2+b.Weeks, b.Weeks)
		return err
	}
	verdict := "worse than"
	if b.BeatsBaseline {
		verdict = "better than"
	}
	fmt.Fprintf(out, "\nbacktest over the last %d weeks (%d-day horizon): MAE %.2f vs seasonal-naive %.2f (%s the baseline)\n",
		b.Weeks, b.HorizonDays, *b.MAE, *b.MAENaive, verdict)
	fmt.Fprintf(out, "  MASE vs seasonal-naive %s, 80%% band coverage %s (normal-theory band %s)\n",
		optNum(b.RelativeMAE, "%.2f"), optNum(b.Coverage80, "%.2f"), optNum(b.CoverageNormal80, "%.2f"))
	_, err := fmt.Fprintf(out, "  7-day accuracy (1 - weekly total MAPE) %s vs seasonal-naive %s\n",
		optNum(b.WeekAccuracy, "%.2f"), optNum(b.WeekAccuracyNaive, "%.2f"))
	return err
}

// optNum formats a number the backtest may not have.
func optNum(v *float64, format string) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf(format, *v)
}

// loadForecastSeries reads the series from a CSV file, stdin or the
// workspace, and names where they came from.
func loadForecastSeries(ctx context.Context, app *App, file, source string) ([]forecast.Series, string, error) {
	switch file {
	case "":
		ws, err := app.Workspace(ctx)
		if err != nil {
			return nil, "", err
		}
		s, err := forecast.WorkspaceCounts(ctx, ws, source)
		name := "workspace documents by published day"
		if source != "" {
			name = "workspace documents of source " + strconv.Quote(source) + " by published day"
		}
		return s, name, err
	case "-":
		s, err := forecast.ReadCSV(app.IO.In, "stdin")
		return s, "stdin", err
	}
	s, err := forecast.ReadCSVFile(file)
	return s, file, err
}
