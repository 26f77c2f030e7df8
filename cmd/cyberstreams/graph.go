package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cyberstreams/cyberstreams/core/graphsync"
	"github.com/cyberstreams/cyberstreams/core/ingest"
	"github.com/cyberstreams/cyberstreams/core/nextstep"
	"github.com/cyberstreams/cyberstreams/core/termsafe"
	"github.com/cyberstreams/cyberstreams/kg"
	"github.com/cyberstreams/cyberstreams/kg/attack"
	"github.com/cyberstreams/cyberstreams/kg/neo4j"
)

func newGraphCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Build, query and sync the knowledge graph",
		Long: `The knowledge graph links documents (Threat), actors, techniques, campaigns,
indicators, targets and vulnerabilities. It lives in the workspace and syncs to
a shared Neo4j (NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD) through an outbox, so
nothing is lost while Neo4j is unreachable.`,
		Example: `  cyberstreams graph import-attack attack-enterprise.json.gz
  cyberstreams graph build
  cyberstreams graph query actor-techniques APT28
  cyberstreams graph sync`,
	}
	cmd.AddCommand(newGraphImportAttackCmd(app), newGraphImportKEVCmd(app), newGraphBuildCmd(app),
		newGraphSyncCmd(app), newGraphStatsCmd(app), newGraphQueryCmd(app))
	return cmd
}

func graphStore(ctx context.Context, app *App) (*kg.Store, string, error) {
	ws, err := app.Workspace(ctx)
	if err != nil {
		return nil, "", err
	}
	return kg.NewStore(ws.DB()), ws.Dir, nil
}

// connectNeo4j connects to the workspace's Neo4j (NEO4J_URI, or graph.json
// in the workspace directory).
func connectNeo4j(ctx context.Context, app *App) (*neo4j.Client, error) {
	_, dir, err := graphStore(ctx, app)
	if err != nil {
		return nil, err
	}
	cfg, err := neo4j.ConfigFromEnv(dir)
	if err != nil {
		return nil, err
	}
	return neo4j.Connect(ctx, cfg)
}

func printChange(app *App, what string, c kg.Change) {
	app.Logf("%s: nodes +%d ~%d -%d, relationships +%d ~%d -%d\n", what,
		c.NodesAdded, c.NodesChanged, c.NodesDeleted, c.EdgesAdded, c.EdgesChanged, c.EdgesDeleted)
}

func newGraphImportAttackCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "import-attack FILE",
		Short: "Import the MITRE ATT&CK Enterprise STIX bundle",
		Long: `Import an ATT&CK STIX bundle (.json or .json.gz): groups become Actors, techniques
Techniques, campaigns Campaigns, and software Threat nodes of kind malware or tool.
Revoked objects map onto their replacements; deprecated ones are kept, marked, and
left out of queries. Importing a newer bundle replaces the older one's assertions.`,
		Example: "  cyberstreams graph import-attack ../shared/data/attack-enterprise.json.gz",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, _, err := graphStore(cmd.Context(), app)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := attack.Import(cmd.Context(), s, f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			printChange(app, "import-attack "+args[0], res.Change)
			summary := map[string]any{"objects": res.Bundle.Objects, "nodes": len(res.Bundle.Nodes),
				"relationships": len(res.Bundle.Edges), "revoked": res.Bundle.Revoked, "deprecated": res.Bundle.Deprecated, "change": res.Change}
			if app.JSON {
				return writeJSON(app.IO.Out, summary)
			}
			_, err = fmt.Fprintf(app.IO.Out, "imported %d nodes and %d relationships (%d revoked objects mapped, %d deprecated kept)\n",
				len(res.Bundle.Nodes), len(res.Bundle.Edges), res.Bundle.Revoked, res.Bundle.Deprecated)
			return err
		},
	}
}

func newGraphImportKEVCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "import-kev FILE",
		Short:   "Mark CVEs listed in the CISA KEV catalog",
		Long:    "Import CISA's known_exploited_vulnerabilities.json: its CVEs become Vulnerability nodes with kev=true.",
		Example: "  cyberstreams graph import-kev ../shared/data/kev.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, _, err := graphStore(cmd.Context(), app)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			ch, err := s.ImportKEV(cmd.Context(), f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			printChange(app, "import-kev "+args[0], ch)
			if app.JSON {
				return writeJSON(app.IO.Out, ch)
			}
			_, err = fmt.Fprintf(app.IO.Out, "KEV: %d vulnerabilities added, %d updated\n", ch.NodesAdded, ch.NodesChanged)
			return err
		},
	}
}

func newGraphBuildCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "build",
		Short: "Build or refresh the graph from the workspace's documents",
		Long: `Upsert every workspace document into the graph: a Threat node per document that
CONTAINS its indicators, EXPLOITS its CVEs, USES its techniques, is ASSOCIATED_WITH
the actors and software it names and TARGETS its sectors and vendors; indicators
in one document are RELATED_TO each other. Running it again changes only what changed.`,
		Example: "  cyberstreams graph build",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := app.Workspace(cmd.Context())
			if err != nil {
				return err
			}
			s := kg.NewStore(ws.DB())
			res, err := graphsync.Build(cmd.Context(), ws, s,
				func(id string, err error) { app.Logf("document %s: %v\n", id, err) },
				func(n int) { app.Logf("%d documents\n", n) })
			if err != nil {
				return err
			}
			printChange(app, "build", res.Change)
			if app.JSON {
				return writeJSON(app.IO.Out, res)
			}
			_, err = fmt.Fprintf(app.IO.Out, "%d documents in the graph (%d failed)\n", res.Documents-res.Failed, res.Failed)
			return err
		},
	}
}

type graphSyncOptions struct {
	DryRun bool
	Batch  int
	Full   bool
}

func newGraphSyncCmd(app *App) *cobra.Command {
	var o graphSyncOptions
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Send pending graph changes to Neo4j",
		Long: `Drain the graph outbox into Neo4j in parameterised UNWIND … MERGE batches.
Rows leave the outbox only after Neo4j committed and wrote them, so an
interrupted sync resumes where it stopped, and syncing twice changes nothing the
second time. The counts are what Neo4j reported writing. Rows it could not write
(a relationship whose end node Neo4j lacks) stay in the outbox, and the command
says how many and why and exits 1.

Each workspace keeps a sync marker in Neo4j, (:CyberstreamsSync {workspace,
epoch, generation}), moved on with every batch. A server that was reset,
restored from a backup or swapped behind the same URI does not hold the marker
the workspace expects, and the sync sends the whole graph again by itself, with
a line on stderr saying why.

Several workspaces may sync to one Neo4j. What each contributes is kept apart
(source_count@<workspace>, sources@<workspace> on nodes, count@<workspace> on
relationships); source_count and count are their sums, so counts add up across
the team, a retraction takes back only this workspace's part, and a node or
relationship goes only when no workspace contributes it. The named queries
(graph query --remote) answer over the whole team's graph.

Label events travel in the same run: this workspace's new label events (labels,
undos, notes, with analyst, time, model version and what the model predicted)
are sent, and teammates' events newer than the last exchange are appended to the
local history (as label pull does).
The connection comes from NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD (uri and
username may also be set in graph.json in the workspace directory; the password
only ever comes from the environment). For TLS use neo4j+s:// or bolt+s://; a
team CA that the system does not trust goes in CYBERSTREAMS_NEO4J_CA_FILE (a PEM
file). bolt+ssc:// accepts any certificate, unverified.`,
		Example: `  cyberstreams graph sync
  cyberstreams graph sync --dry-run
  cyberstreams graph sync --full --batch 10000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, dir, err := graphStore(ctx, app)
			if err != nil {
				return err
			}
			if o.Batch < 1 {
				return usagef("--batch %d: want at least 1", o.Batch)
			}
			if o.Full {
				n, err := s.RequeueAll(ctx)
				if err != nil {
					return err
				}
				app.Logf("queued all %d nodes and relationships\n", n)
			}
			if o.DryRun {
				_, err := neo4j.DryRun(ctx, s, app.IO.Out, o.Batch)
				return err
			}
			cfg, err := neo4j.ConfigFromEnv(dir)
			if err != nil {
				return err
			}
			c, err := neo4j.Connect(ctx, cfg)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			res, err := neo4j.Sync(ctx, s, c, neo4j.SyncOptions{Batch: o.Batch,
				Progress: func(p neo4j.SyncProgress) {
					app.Logf("sync: %s, %d/%d rows, %.0f rows/s\n", p.Phase, p.Done, p.Pending, float64(p.Done)/p.Elapsed.Seconds())
				},
				// Not quietened: the analyst should know a server lost data.
				Resend: func(reason string, rows int) {
					fmt.Fprintf(app.IO.ErrOut, "sync: %s; sending all %d nodes and relationships again\n", reason, rows)
				}})
			if err != nil {
				if p := res.Pending.Total(); p > 0 {
					fmt.Fprintf(app.IO.ErrOut, "sync: %d of %d outbox rows written before the failure; %d pending\n",
						res.Acknowledged, res.Acknowledged+p, p)
				}
				return err
			}
			lx, err := exchangeLabels(ctx, app, c, true)
			if err != nil {
				return err
			}
			mx, err := exchangeModels(ctx, app, c)
			if err != nil {
				return err
			}
			if app.JSON {
				if err := writeJSON(app.IO.Out, struct {
					neo4j.SyncResult
					Labels neo4j.LabelExchange
					Models graphsync.ModelExchange
				}{res, lx, mx}); err != nil {
					return err
				}
			} else if _, err := fmt.Fprintf(app.IO.Out, "synced %d nodes (%d new), %d relationships (%d new), %d relationship deletes, %d node deletes in %s\n",
				res.Nodes, res.NodesCreated, res.Relationships, res.RelationshipsCreated, res.RelationshipDeletes, res.NodeDeletes,
				res.Elapsed.Round(1e6)); err != nil {
				return err
			} else if err := printLabelExchange(app, lx); err != nil {
				return err
			} else if err := printModelExchange(app, mx); err != nil {
				return err
			}
			return syncPendingError(app, res)
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the Cypher statements and row counts without connecting")
	cmd.Flags().IntVar(&o.Batch, "batch", 5000, "outbox rows per write transaction")
	cmd.Flags().BoolVar(&o.Full, "full", false, "queue every node and relationship again (fill a new or reset Neo4j)")
	return cmd
}

// syncPendingError says on stderr what a sync left in the outbox and why,
// and makes the command fail: nothing counts as synced that was not.
func syncPendingError(app *App, res neo4j.SyncResult) error {
	p := res.Pending.Total()
	if p == 0 {
		return nil
	}
	fmt.Fprintf(app.IO.ErrOut, "sync: %d outbox rows pending (%d node upserts, %d relationship upserts, %d relationship deletes, %d node deletes)\n",
		p, res.Pending.NodeUpserts, res.Pending.EdgeUpserts, res.Pending.EdgeDeletes, res.Pending.NodeDeletes)
	if res.MissingEnds > 0 {
		fmt.Fprintf(app.IO.ErrOut, "sync: %d relationships not written: Neo4j lacks an end node (deleted there by someone else?); "+
			"`graph sync --full` sends their nodes again\n", res.MissingEnds)
	}
	if other := p - res.MissingEnds; other > 0 {
		fmt.Fprintf(app.IO.ErrOut, "sync: %d rows changed locally while the sync ran; run it again\n", other)
	}
	return silentExit(exitError)
}

func newGraphStatsCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Count nodes and relationships, locally and in Neo4j",
		Long: `Show node counts per label and relationship counts per type in the workspace
graph, the outbox backlog, and the same counts in Neo4j when NEO4J_URI is set and
reachable.`,
		Example: "  cyberstreams graph stats\n  cyberstreams graph stats --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, dir, err := graphStore(ctx, app)
			if err != nil {
				return err
			}
			local, err := s.Stats(ctx)
			if err != nil {
				return err
			}
			pending, err := s.Pending(ctx)
			if err != nil {
				return err
			}
			var remote *kg.Counts
			remoteNote := ""
			if cfg, err := neo4j.ConfigFromEnv(dir); err != nil {
				remoteNote = err.Error()
			} else if c, err := neo4j.Connect(ctx, cfg); err != nil {
				remoteNote = err.Error()
			} else {
				defer c.Close(ctx)
				rc, err := c.Counts(ctx)
				if err != nil {
					remoteNote = err.Error()
				} else {
					remote = &rc
				}
			}
			if app.JSON {
				return writeJSON(app.IO.Out, map[string]any{"local": local, "remote": remote, "remote_note": remoteNote, "pending": pending})
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tNAME\tLOCAL\tNEO4J")
			rem := func(n int) string {
				if remote == nil {
					return "-"
				}
				return strconv.Itoa(n)
			}
			for _, l := range kg.Labels {
				r := 0
				if remote != nil {
					r = remote.Nodes[l]
				}
				fmt.Fprintf(tw, "node\t%s\t%d\t%s\n", l, local.Nodes[l], rem(r))
			}
			for _, t := range kg.RelTypes {
				r := 0
				if remote != nil {
					r = remote.Edges[t]
				}
				fmt.Fprintf(tw, "relationship\t%s\t%d\t%s\n", t, local.Edges[t], rem(r))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(app.IO.Out, "outbox: %d rows pending\n", pending.Total())
			if remoteNote != "" {
				fmt.Fprintf(app.IO.Out, "neo4j: not shown (%s)\n", remoteNote)
			}
			return nil
		},
	}
}

type graphQueryOptions struct {
	Types    string
	MinCount int
	MaxHops  int
	Hops     int
	Limit    int
	Remote   bool
	Rule     string
	From     string
	Cypher   string
	Params   []string
	Text     []string
}

func newGraphQueryCmd(app *App) *cobra.Command {
	var o graphQueryOptions
	cmd := &cobra.Command{
		Use:   "query NAME [ARGS...] | query --cypher QUERY",
		Short: "Run a named graph query, or read-only Cypher on Neo4j",
		Long: `Named queries (local graph, or Neo4j with --remote; both give the same answer):

  actor-techniques NAME       techniques an actor (ATT&CK id, name or alias) uses,
                              directly, via its software, and via its campaigns
  ioc-pairs                   indicators that co-occur in documents, most often first
                              (--types ip,domain,url,email,hash  --min-count N)
  next-steps TECHNIQUE...     the techniques most likely next, in the kill chain's later
                              tactics (from the tactic after the furthest given one, or
                              --from TACTIC), ranked by the next-step model: item-to-item
                              cosine over the co-usage of ATT&CK actors, their campaigns
                              and software (malware and tools, weighted 0.3) (recall@10
                              0.33 leaving each ATT&CK group out, popularity 0.31). With
                              --text, 0.25 x popularity joins the cosine, since tagged
                              techniques are weaker evidence than ids (0.27 from the
                              group's procedure text, 0.31 with --from; bench/next_step).
                              --rule co-usage ranks instead by the co-usage rule: the
                              techniques used by the actors and campaigns that use all the
                              given ones within --max-hops USES/CONDUCTS steps, by how many
                              do. --remote always runs that rule, since Cypher does not
                              express the model. Give ATT&CK ids, or the incident's text
                              with --text FILE|-: the technique tagger's techniques join
                              the given ids (those the graph does not hold are left out;
                              a tactic only one tag reaches is taken for a slip and does
                              not move the start unless no tactic has two; a tag past the
                              start is ranked, not taken as seen).
                              Documents' tagged techniques (graph build) count as their
                              associated actors' USES here and in actor-techniques.
  enrich VALUE                the neighbourhood of a node found by key, name, alias or
                              indicator value, up to --hops relationships away

--cypher runs a query on Neo4j in a read transaction: writes are refused by the
server. LOAD CSV, USE and CALL of a procedure outside a read-only allow-list
(db.labels, db.relationshipTypes, db.propertyKeys, db.schema.*, full-text index
queries, db.info, db.ping, dbms.components) are refused before the query is sent.
Pass values with --param key=value, never inside the query text.`,
		Example: `  cyberstreams graph query actor-techniques "Fancy Bear"
  cyberstreams graph query next-steps T1566.001 T1059.001 T1547.001
  cyberstreams graph query next-steps T1566 T1059 --rule co-usage --max-hops 3
  echo 'The loader decodes its payload with certutil.' | cyberstreams graph query next-steps --text -
  cyberstreams graph query ioc-pairs --types ip,domain --min-count 2
  cyberstreams graph query enrich evil[.]example --hops 2 --json
  cyberstreams graph query --cypher 'MATCH (a:Actor {key: $k})-[:USES]->(t) RETURN t.key' --param k=G0007`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGraphQuery(cmd, app, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Types, "types", "", "ioc-pairs: indicator types, comma-separated (ip, domain, url, email, hash, ...)")
	f.IntVar(&o.MinCount, "min-count", 1, "ioc-pairs: at least this many shared documents")
	f.StringVar(&o.Rule, "rule", "model", "next-steps: model (the next-step model) or co-usage (the rule Neo4j runs)")
	f.StringVar(&o.From, "from", "", "next-steps (model): first tactic a next step may be in (default: after the furthest given; of --text tags, the furthest two reach)")
	f.StringArrayVar(&o.Text, "text", nil, "next-steps: also the techniques the technique tagger finds in this incident text (a file in any format score reads, or - for stdin; repeatable)")
	f.IntVar(&o.MaxHops, "max-hops", 3, "next-steps --rule co-usage: longest USES/CONDUCTS path from an actor or campaign (1-4)")
	f.IntVar(&o.Hops, "hops", 2, "enrich: how many relationships away (1-4)")
	f.IntVar(&o.Limit, "limit", 0, "at most this many rows (0 = the query's default)")
	f.BoolVar(&o.Remote, "remote", false, "run the named query on Neo4j instead of the local graph")
	f.StringVar(&o.Cypher, "cypher", "", "read-only Cypher to run on Neo4j")
	f.StringArrayVar(&o.Params, "param", nil, "query parameter key=value (repeatable); true/false and JSON numbers are typed, \"quoted\" values stay strings")
	return cmd
}

func runGraphQuery(cmd *cobra.Command, app *App, o *graphQueryOptions, args []string) error {
	ctx := cmd.Context()
	s, dir, err := graphStore(ctx, app)
	if err != nil {
		return err
	}
	if o.Cypher != "" {
		if len(args) > 0 {
			return usagef("--cypher takes no query name")
		}
		params, err := neo4j.ParseParams(o.Params)
		if err != nil {
			return usagef("%v", err)
		}
		if err := neo4j.CheckReadOnlyCypher(o.Cypher); err != nil {
			return usagef("--cypher: %v", err)
		}
		c, err := connectNeo4j(ctx, app)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		cols, rows, err := c.ReadQuery(ctx, o.Cypher, params)
		if err != nil {
			return err
		}
		if app.JSON {
			return writeJSON(app.IO.Out, rows)
		}
		tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
		for _, r := range rows {
			cells := make([]string, len(cols))
			for i, c := range cols {
				cells[i] = termsafe.Line(fmt.Sprint(r[c]), 80)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		return tw.Flush()
	}
	if len(args) == 0 {
		return usagef("name a query: actor-techniques, ioc-pairs, next-steps or enrich (or use --cypher)")
	}
	var q kg.Querier = s
	if o.Remote {
		cfg, err := neo4j.ConfigFromEnv(dir)
		if err != nil {
			return err
		}
		c, err := neo4j.Connect(ctx, cfg)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		q = c
	}
	name, rest := args[0], args[1:]
	var result any
	tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
	var table func()
	switch name {
	case "actor-techniques":
		if len(rest) != 1 {
			return usagef("actor-techniques takes one actor name, alias or ATT&CK id")
		}
		r, err := q.ActorTechniques(ctx, rest[0])
		if err != nil {
			return err
		}
		result = r
		table = func() {
			for _, a := range r.Actors {
				fmt.Fprintf(app.IO.Out, "actor %s %s\n", a.Key, termsafe.Line(a.Name, 60))
			}
			fmt.Fprintln(tw, "TECHNIQUE\tNAME\tTACTICS\tHOW")
			for _, u := range r.Techniques {
				how := u.Via
				if u.Direct {
					how = append([]string{"direct"}, how...)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.ID, termsafe.Line(u.Name, 50), strings.Join(u.Tactics, ","), termsafe.Line(strings.Join(how, ","), 60))
			}
		}
	case "ioc-pairs":
		if len(rest) != 0 {
			return usagef("ioc-pairs takes flags, not arguments")
		}
		var types []string
		if o.Types != "" {
			types = strings.Split(o.Types, ",")
		}
		if _, err := kg.IndicatorTypesFor(types); err != nil {
			return usageError{err}
		}
		r, err := q.IOCPairs(ctx, kg.IOCPairsQuery{Types: types, MinCount: o.MinCount, Limit: o.Limit})
		if err != nil {
			return err
		}
		result = r
		table = func() {
			fmt.Fprintln(tw, "COUNT\tINDICATOR\tINDICATOR")
			for _, p := range r {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", p.Count, termsafe.Line(p.A, 60), termsafe.Line(p.B, 60))
			}
		}
	case "next-steps":
		found, err := techniquesInText(ctx, app, o.Text)
		if err != nil {
			return err
		}
		rule := o.Rule
		if o.Remote && rule == "model" {
			fmt.Fprintln(app.IO.ErrOut, "next-steps --remote: Neo4j ranks by the co-usage rule (Cypher does not express the next-step model)")
			rule = "co-usage"
		}
		switch rule {
		case "model":
			r, err := nextstep.Suggest(ctx, s, nextstep.Query{Techniques: rest, Found: found, From: o.From, Limit: o.Limit})
			var qe *nextstep.QueryError
			if errors.As(err, &qe) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			result = r
			table = func() {
				fmt.Fprintln(tw, "SCORE\tTECHNIQUE\tNAME\tTACTICS")
				for _, n := range r {
					fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\n", n.Score, n.ID, termsafe.Line(n.Name, 50), strings.Join(n.Tactics, ","))
				}
			}
		case "co-usage":
			nq, err := kg.NextStepsQuery{Techniques: append(slices.Clone(rest), found...), MaxHops: o.MaxHops, Limit: o.Limit}.Normalized()
			if err != nil {
				return usageError{err}
			}
			r, err := q.NextSteps(ctx, nq)
			if err != nil {
				return err
			}
			result = r
			table = func() {
				fmt.Fprintln(tw, "GROUPS\tTECHNIQUE\tNAME\tTACTICS")
				for _, n := range r {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", n.Groups, n.ID, termsafe.Line(n.Name, 50), strings.Join(n.Tactics, ","))
				}
			}
		default:
			return usagef("--rule %q: want model or co-usage", o.Rule)
		}
	case "enrich":
		if len(rest) != 1 {
			return usagef("enrich takes one value (key, name, alias or indicator)")
		}
		eq, err := kg.EnrichQuery{Value: rest[0], Hops: o.Hops, Limit: o.Limit}.Normalized()
		if err != nil {
			return usageError{err}
		}
		r, err := q.Enrich(ctx, eq)
		if err != nil {
			return err
		}
		result = r
		table = func() {
			fmt.Fprintln(tw, "DIST\tLABEL\tKEY\tNAME")
			for _, n := range r {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", n.Distance, n.Label, termsafe.Line(n.Key, 60), termsafe.Line(n.Name, 60))
			}
		}
	default:
		return usagef("unknown query %q: want actor-techniques, ioc-pairs, next-steps or enrich", name)
	}
	if app.JSON {
		return writeJSON(app.IO.Out, result)
	}
	table()
	return tw.Flush()
}

// techniquesInText tags the incident text of next-steps --text with the
// workspace's technique model and says on stderr what it found; a
// document that cannot be read is named there and the others still count.
func techniquesInText(ctx context.Context, app *App, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	m, err := loadTechniqueModel(app, "")
	if err != nil {
		return nil, err
	}
	tags, failures, err := nextstep.SeenInText(ctx, m, paths, ingest.Options{Stdin: app.IO.In})
	if err != nil {
		return nil, err
	}
	for _, f := range failures {
		fmt.Fprintf(app.IO.ErrOut, "next-steps --text: %s\n", f.Error())
	}
	if len(tags) == 0 {
		return nil, usagef("next-steps --text: the technique tagger found no technique in %s", strings.Join(paths, ", "))
	}
	ids := make([]string, len(tags))
	for i, t := range tags {
		ids[i] = t.Technique
		fmt.Fprintf(app.IO.ErrOut, "found in the text: %s %s (%s, %.2f)\n", t.Technique, termsafe.Line(t.Name, 60), t.Provenance, t.Confidence)
	}
	return ids, nil
}
