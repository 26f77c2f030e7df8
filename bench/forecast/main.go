// Command forecast measures the `cyberstreams forecast` model on the shared
// daily series by rolling-origin backtests over later segments: at each
// weekly origin it fits on everything before, forecasts the next 7 days and
// scores them. Per series, segment and band window it prints MAE beside the
// seasonal-naive forecast, MASE, the coverage of the empirical 80 % band
// and of the normal-theory one, and 7-day accuracy (1 − the mean absolute
// percentage error of the weekly total).
//
//	go run ./bench/forecast
//	go run ./bench/forecast -windows 28,56,91,182,364 -ends 2023-06-30,2023-12-31,2024-06-30
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cyberstreams/cyberstreams/core/forecast"
	mlf "github.com/cyberstreams/cyberstreams/ml/forecast"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "forecast bench:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "../shared/data", "directory holding ghsa_daily_counts.csv and kev_daily_additions.csv")
	ends := flag.String("ends", "2023-12-31,2024-06-30", "last day of each later segment, comma-separated")
	weeks := flag.Int("weeks", 26, "weekly origins per segment")
	windows := flag.String("windows", strconv.Itoa(forecast.BandWindow), "empirical band windows (origins), comma-separated; 0 = the normal-theory band")
	flag.Parse()
	series := []struct{ file, column string }{{"ghsa_daily_counts.csv", "total"}, {"kev_daily_additions.csv", "added"}}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SERIES\tSEGMENT\tWINDOW\tMAE\tNAIVE MAE\tREL MAE\tMASE\tCOVER80\tCOVER80 NORMAL\t7-DAY ACC\tNAIVE 7-DAY\t")
	for _, sc := range series {
		path := filepath.Join(*data, sc.file)
		all, err := forecast.ReadCSVFile(path)
		if err != nil {
			return err
		}
		s, err := forecast.Pick(all, sc.column, path)
		if err != nil {
			return err
		}
		for _, e := range strings.Split(*ends, ",") {
			end, err := time.Parse(forecast.Day, e)
			if err != nil {
				return fmt.Errorf("-ends %q: %w", e, err)
			}
			n := int(end.Sub(s.Start).Hours()/24) + 1
			if n > len(s.Values) || n < 1 {
				return fmt.Errorf("%s: segment end %s is outside %s … %s", path, e, s.Start.Format(forecast.Day), s.End().Format(forecast.Day))
			}
			y := s.Values[:n]
			from := end.AddDate(0, 0, -7**weeks+1).Format(forecast.Day)
			for _, w := range strings.Split(*windows, ",") {
				win, err := strconv.Atoi(w)
				if err != nil {
					return fmt.Errorf("-windows %q: %w", w, err)
				}
				ev := mlf.Evaluate(mlf.Method{Fit: mlf.FitCounts, BandWindow: win}, y, forecast.Season, forecast.Season, *weeks)
				fmt.Fprintf(tw, "%s %s\t%s … %s\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", sc.file, sc.column, from, e, win,
					ev.MAE, ev.MAENaive, ev.RelativeMAE, ev.MASE, ev.Coverage, ev.CoverageParametric, ev.WeekAccuracy, ev.WeekAccuracyNaive)
			}
		}
	}
	return tw.Flush()
}
