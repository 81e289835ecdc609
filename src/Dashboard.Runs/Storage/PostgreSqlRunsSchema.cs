namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's tables on PostgreSQL: the same tables and keys as on SQLite (<see cref="Projections.RunProjectionSchema"/>,
/// <see cref="Insights.InsightsSchema"/>), as versioned migrations. Identifiers compare byte-wise (<c>COLLATE "C"</c>) as
/// SQLite compares them, so that list pages and their cursors order runs the same way on both stores, whatever the
/// database's locale.
/// </summary>
internal static class PostgreSqlRunsSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE runs (
            id text COLLATE "C" PRIMARY KEY,
            workflow_id text COLLATE "C" NOT NULL,
            workflow_name text,
            status text NOT NULL,
            trigger_type text,
            experiment_id text,
            parent_run_id text COLLATE "C",
            started_at bigint NOT NULL,
            completed_at bigint,
            error_message text,
            record_json text NOT NULL,
            stream_offset text
        );
        CREATE INDEX runs_by_start ON runs (started_at DESC, id DESC);
        CREATE INDEX runs_by_workflow ON runs (workflow_id, started_at DESC, id DESC);
        CREATE INDEX runs_by_status ON runs (status, started_at DESC, id DESC);
        CREATE INDEX runs_by_parent ON runs (parent_run_id, started_at DESC, id DESC);

        CREATE TABLE run_steps (
            run_id text COLLATE "C" NOT NULL,
            step_id text COLLATE "C" NOT NULL,
            loop_index bigint NOT NULL,
            attempt integer NOT NULL,
            order_index bigint NOT NULL,
            is_latest integer NOT NULL,
            timeline_json text,
            trace_json text NOT NULL,
            PRIMARY KEY (run_id, step_id, loop_index, attempt)
        );
        CREATE INDEX run_steps_latest ON run_steps (run_id, is_latest, order_index);
        CREATE INDEX run_steps_order ON run_steps (run_id, order_index, attempt);

        CREATE TABLE insight_runs (
            grain integer NOT NULL,
            bucket bigint NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            runs bigint NOT NULL,
            running bigint NOT NULL,
            waiting bigint NOT NULL,
            completed bigint NOT NULL,
            failed bigint NOT NULL,
            cancelled bigint NOT NULL,
            timeout bigint NOT NULL,
            cost_pico bigint NOT NULL,
            prompt_tokens bigint NOT NULL,
            cached_tokens bigint NOT NULL,
            completion_tokens bigint NOT NULL,
            durations bytea,
            PRIMARY KEY (grain, bucket, workflow_id)
        );

        CREATE TABLE insight_steps (
            grain integer NOT NULL,
            bucket bigint NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            step_id text COLLATE "C" NOT NULL,
            step_name text,
            attempts bigint NOT NULL,
            retries bigint NOT NULL,
            failed bigint NOT NULL,
            cost_pico bigint NOT NULL,
            prompt_tokens bigint NOT NULL,
            cached_tokens bigint NOT NULL,
            completion_tokens bigint NOT NULL,
            durations bytea,
            PRIMARY KEY (workflow_id, grain, bucket, step_id)
        );

        CREATE TABLE insight_failure_groups (
            signature text COLLATE "C" PRIMARY KEY,
            workflow_id text COLLATE "C" NOT NULL,
            step_id text,
            error_code text,
            error_type text,
            message text NOT NULL,
            first_seen bigint NOT NULL,
            last_seen bigint NOT NULL,
            examples text NOT NULL
        );

        CREATE TABLE insight_failures (
            grain integer NOT NULL,
            bucket bigint NOT NULL,
            signature text COLLATE "C" NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (grain, bucket, signature)
        );

        CREATE TABLE insight_triggers (
            workflow_id text COLLATE "C" NOT NULL,
            trigger_type text COLLATE "C" NOT NULL,
            PRIMARY KEY (workflow_id, trigger_type)
        );

        CREATE TABLE insight_workflows (
            workflow_id text COLLATE "C" PRIMARY KEY,
            workflow_name text,
            last_run_at bigint,
            last_failure_at bigint
        );
        """,
        // hist_merge(stored, addition): SQLite gets it from .NET (DurationHistogram.Merge); here it is SQL over the same
        // stored form, entries of (bin: 2 bytes, count: 4 bytes) little-endian, ascending by bin. Counts of a bin are
        // summed and the entries written back in bin order.
        """
        CREATE FUNCTION hist_merge(stored bytea, addition bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $fn$
            SELECT CASE WHEN addition IS NULL THEN stored ELSE coalesce((
                SELECT string_agg(
                    set_byte(set_byte(set_byte(set_byte(set_byte(set_byte('\x000000000000'::bytea,
                        0, bin & 255), 1, (bin >> 8) & 255),
                        2, (n & 255)::int), 3, ((n >> 8) & 255)::int), 4, ((n >> 16) & 255)::int), 5, ((n >> 24) & 255)::int),
                    ''::bytea ORDER BY bin)
                FROM (
                    SELECT bin, sum(n)::bigint AS n FROM (
                        SELECT get_byte(h, i) + (get_byte(h, i + 1) << 8) AS bin,
                            get_byte(h, i + 2)::bigint + (get_byte(h, i + 3)::bigint << 8)
                                + (get_byte(h, i + 4)::bigint << 16) + (get_byte(h, i + 5)::bigint << 24) AS n
                        FROM unnest(ARRAY[coalesce(stored, ''::bytea), addition]) AS h, generate_series(0, length(h) - 6, 6) AS i
                    ) entries GROUP BY bin
                ) merged), ''::bytea) END
        $fn$;
        """,
        // Requests per partition (API key, or address when open) and minute, over every instance (Access.SharedRateLimiter).
        """
        CREATE TABLE rate_windows (
            partition text COLLATE "C" NOT NULL,
            window_start bigint NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (partition, window_start)
        );
        """,
        // The log lines engines send (the logs API; SQLite: RunProjectionSchema).
        """
        CREATE TABLE run_logs (
            run_id text COLLATE "C" NOT NULL,
            seq bigint NOT NULL,
            at bigint,
            level_rank integer NOT NULL,
            step_id text COLLATE "C",
            attempt integer,
            loop_index bigint NOT NULL,
            message text,
            line_json text NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
        """,
        // The search index: each document once, its words in a generated tsvector under a GIN index. 'simple': values
        // are matched as written, not stemmed. Punctuation becomes space first, so that words split where SQLite's FTS5
        // splits them: PostgreSQL's parser would otherwise keep a URL, a host or an e-mail address as one word, and skip
        // what stands between <script> and </script> altogether.
        """
        CREATE TABLE run_search (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            run_id text COLLATE "C" NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            started_at bigint NOT NULL,
            step_id text COLLATE "C",
            loop_index bigint NOT NULL,
            attempt integer,
            field text NOT NULL,
            log_seq bigint,
            body text NOT NULL,
            body_words tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(body, '[[:punct:]]+', ' ', 'g'))) STORED
        );
        CREATE INDEX run_search_by_step ON run_search (run_id, step_id, loop_index);
        CREATE INDEX run_search_words ON run_search USING gin (body_words);
        -- How far the search indexer has read the runs feed ('' for its start).
        CREATE TABLE run_search_progress (id integer PRIMARY KEY CHECK (id = 1), feed_offset text NOT NULL DEFAULT '', indexed_to bigint NOT NULL DEFAULT 0);
        INSERT INTO run_search_progress (id, indexed_to) VALUES (1, 0);
        """,
        // Control requests (see Control.ControlSchema).
        """
        CREATE TABLE control_requests (
            request_id text COLLATE "C" PRIMARY KEY,
            run_id text COLLATE "C" NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            action text NOT NULL,
            idempotency_key text,
            request_json text NOT NULL,
            requested_at bigint NOT NULL,
            stream_offset text NOT NULL,
            outcome text,
            outcome_run_id text COLLATE "C",
            outcome_at bigint,
            UNIQUE (run_id, idempotency_key)
        );
        CREATE INDEX control_requests_by_run ON control_requests (run_id, requested_at);
        """,
        // The run and step aggregates split in rows summed when read (see PostgreSqlRunsDatabase.InsightShards).
        """
        ALTER TABLE insight_runs ADD COLUMN shard smallint NOT NULL DEFAULT 0;
        ALTER TABLE insight_runs DROP CONSTRAINT insight_runs_pkey, ADD PRIMARY KEY (grain, bucket, workflow_id, shard);
        ALTER TABLE insight_steps ADD COLUMN shard smallint NOT NULL DEFAULT 0;
        ALTER TABLE insight_steps DROP CONSTRAINT insight_steps_pkey, ADD PRIMARY KEY (workflow_id, grain, bucket, step_id, shard);
        """,
        // A document's words now include each pair of neighbouring words as one more lexeme ('card declined'; a word never
        // holds a space): a quoted phrase whose words are both common (in tens of thousands of documents) but rarely in its
        // order is answered by the one GIN scan, which intersects the pair's documents with the words', where the words
        // alone handed over every document holding both, each to be read for their positions. The pairs are made from the
        // words' positions, so a pair is exactly two words that follow one another there; search_pairs_query makes a
        // phrase's pairs (null for one word).
        """
        CREATE FUNCTION search_pairs(words tsvector) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) FROM (
                SELECT lexeme || ' ' || lead(lexeme) OVER (ORDER BY pos) AS pair, lead(pos) OVER (ORDER BY pos) - pos AS gap
                FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest(words)) w
            ) p WHERE gap = 1
        $$;
        CREATE FUNCTION search_words(body text) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT w || search_pairs(w) FROM to_tsvector('simple', regexp_replace(body, '[[:punct:]]+', ' ', 'g')) AS w
        $$;
        CREATE FUNCTION search_pairs_query(phrase text) RETURNS tsquery LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT string_agg(quote_literal(pair), ' & ')::tsquery
            FROM unnest(tsvector_to_array(search_pairs(to_tsvector('simple', regexp_replace(phrase, '[[:punct:]]+', ' ', 'g'))))) AS pair
        $$;
        DROP INDEX run_search_words;
        ALTER TABLE run_search DROP COLUMN body_words;
        ALTER TABLE run_search ADD COLUMN body_words tsvector GENERATED ALWAYS AS (search_words(body)) STORED;
        CREATE INDEX run_search_words ON run_search USING gin (body_words);
        """,
        // hist_merge again, same stored form and result, as PL/pgSQL: the SQL function above was planned anew at every
        // call (its body is a query with aggregates, never inlined), about 0.5 ms of the server's CPU even when there was
        // nothing to add, under every aggregate upsert of every ingested batch. This one's statements are planned once
        // a session, and it adds each entry where a binary search over the sorted entries finds its bin (a batch adds one
        // or a few), instead of unpacking and regrouping the whole stored histogram.
        """
        CREATE OR REPLACE FUNCTION hist_merge(stored bytea, addition bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
        DECLARE
            merged bytea := coalesce(stored, ''::bytea);
            entries int := length(merged) / 6;
            bin int;
            n bigint;
            lo int;
            hi int;
            mid int;
        BEGIN
            IF addition IS NULL THEN
                RETURN stored;
            END IF;
            FOR i IN 0 .. length(addition) / 6 - 1 LOOP
                bin := get_byte(addition, 6 * i) + (get_byte(addition, 6 * i + 1) << 8);
                n := get_byte(addition, 6 * i + 2)::bigint + (get_byte(addition, 6 * i + 3)::bigint << 8)
                    + (get_byte(addition, 6 * i + 4)::bigint << 16) + (get_byte(addition, 6 * i + 5)::bigint << 24);
                lo := 0;
                hi := entries;
                WHILE lo < hi LOOP
                    mid := (lo + hi) / 2;
                    IF get_byte(merged, 6 * mid) + (get_byte(merged, 6 * mid + 1) << 8) < bin THEN
                        lo := mid + 1;
                    ELSE
                        hi := mid;
                    END IF;
                END LOOP;
                IF lo < entries AND get_byte(merged, 6 * lo) + (get_byte(merged, 6 * lo + 1) << 8) = bin THEN
                    n := n + get_byte(merged, 6 * lo + 2)::bigint + (get_byte(merged, 6 * lo + 3)::bigint << 8)
                        + (get_byte(merged, 6 * lo + 4)::bigint << 16) + (get_byte(merged, 6 * lo + 5)::bigint << 24);
                    merged := overlay(merged PLACING set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
                        0, (n & 255)::int), 1, ((n >> 8) & 255)::int), 2, ((n >> 16) & 255)::int), 3, ((n >> 24) & 255)::int)
                        FROM 6 * lo + 3 FOR 4);
                ELSE
                    merged := substring(merged FROM 1 FOR 6 * lo) || substring(addition FROM 6 * i + 1 FOR 6) || substring(merged FROM 6 * lo + 1);
                    entries := entries + 1;
                END IF;
            END LOOP;
            RETURN merged;
        END
        $fn$;
        """,
        // How many runs each workflow has in each status (SQLite: RunProjectionSchema.StatusCountsSql), kept by triggers
        // on runs, so that the executions list's status chips are a sum over a few rows instead of a count over every run.
        // Split in rows by run id, summed when read: the runs of one workflow starting and ending in parallel transactions
        // would otherwise all wait for one row. A status change moves the two rows in the order of their statuses, so two
        // runs moving opposite ways (running to waiting, waiting to running) cannot lock them in opposite orders.
        // CREATE TRIGGER locks the runs table against writes until this migration commits, so the counts made here from
        // the runs already stored miss none written meanwhile by other instances.
        """
        CREATE TABLE run_status_counts (
            workflow_id text COLLATE "C" NOT NULL,
            status text COLLATE "C" NOT NULL,
            shard smallint NOT NULL,
            count bigint NOT NULL,
            PRIMARY KEY (workflow_id, status, shard)
        );
        CREATE FUNCTION run_status_count_add(workflow text, run_status text, shard smallint, delta int) RETURNS void LANGUAGE sql AS $fn$
            INSERT INTO run_status_counts AS c (workflow_id, status, shard, count) VALUES (workflow, run_status, shard, delta)
            ON CONFLICT (workflow_id, status, shard) DO UPDATE SET count = c.count + excluded.count
        $fn$;
        CREATE FUNCTION runs_count_status() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
            row_shard smallint;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                PERFORM run_status_count_add(OLD.workflow_id, OLD.status, (hashtext(OLD.id) & 7)::smallint, -1);
                RETURN NULL;
            END IF;
            row_shard := (hashtext(NEW.id) & 7)::smallint;
            IF TG_OP = 'INSERT' THEN
                PERFORM run_status_count_add(NEW.workflow_id, NEW.status, row_shard, 1);
            ELSIF OLD.status COLLATE "C" < NEW.status COLLATE "C" THEN
                PERFORM run_status_count_add(OLD.workflow_id, OLD.status, row_shard, -1);
                PERFORM run_status_count_add(NEW.workflow_id, NEW.status, row_shard, 1);
            ELSE
                PERFORM run_status_count_add(NEW.workflow_id, NEW.status, row_shard, 1);
                PERFORM run_status_count_add(OLD.workflow_id, OLD.status, row_shard, -1);
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER runs_count_rows AFTER INSERT OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION runs_count_status();
        CREATE TRIGGER runs_count_update AFTER UPDATE OF status ON runs FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
            EXECUTE FUNCTION runs_count_status();
        INSERT INTO run_status_counts (workflow_id, status, shard, count)
            SELECT workflow_id, status, (hashtext(id) & 7)::smallint, count(*) FROM runs GROUP BY 1, 2, 3;
        """,
        // What reported a cost (see Insights.InsightsSchema): a workflow or step nobody reported a cost for reads as no cost.
        // Harmless run again (a test steps the schema back over it).
        """
        ALTER TABLE insight_runs ADD COLUMN IF NOT EXISTS cost_reports bigint NOT NULL DEFAULT 0;
        ALTER TABLE insight_steps ADD COLUMN IF NOT EXISTS cost_reports bigint NOT NULL DEFAULT 0;
        """ + Insights.InsightsSchema.CostReportsBackfillSql,
        // Cost by model across runs (see Insights.InsightsDelta.Models), split in shards as the step rows are; and which
        // counts were made once from the stored runs (InsightsBackfill).
        """
        CREATE TABLE IF NOT EXISTS insight_models (
            grain integer NOT NULL,
            bucket bigint NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            model text COLLATE "C" NOT NULL,
            shard smallint NOT NULL DEFAULT 0,
            calls bigint NOT NULL,
            failed bigint NOT NULL,
            cost_pico bigint NOT NULL,
            cost_reports bigint NOT NULL,
            prompt_tokens bigint NOT NULL,
            cached_tokens bigint NOT NULL,
            completion_tokens bigint NOT NULL,
            PRIMARY KEY (workflow_id, grain, bucket, model, shard)
        );
        CREATE TABLE IF NOT EXISTS insight_backfills (name text COLLATE "C" PRIMARY KEY);
        """,
        // The model rows keyed by the period first, as the run rows are: the overview reads every workflow's models for a
        // period, a range of this key (the first key made that a scan per workflow).
        """
        ALTER TABLE insight_models DROP CONSTRAINT insight_models_pkey, ADD PRIMARY KEY (grain, bucket, workflow_id, model, shard);
        """,
        // The models each run's steps named: the executions list's model filter; the runs stored before get theirs once.
        """
        CREATE TABLE IF NOT EXISTS run_models (run_id text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL, PRIMARY KEY (run_id, model));
        CREATE INDEX IF NOT EXISTS run_models_by_model ON run_models (model, run_id);
        INSERT INTO run_models (run_id, model)
            SELECT DISTINCT run_id, timeline_json::jsonb ->> 'modelUsed' FROM run_steps
            WHERE timeline_json IS NOT NULL AND timeline_json::jsonb ->> 'modelUsed' IS NOT NULL
            ON CONFLICT DO NOTHING;
        """,
        // The models each workflow's steps have named: the list's model picker (filled once by InsightsBackfill).
        """
        CREATE TABLE IF NOT EXISTS insight_workflow_models (
            workflow_id text COLLATE "C" NOT NULL,
            model text COLLATE "C" NOT NULL,
            PRIMARY KEY (workflow_id, model)
        );
        """,
        // OTLP intake's spans, held run ends and log-sending services (Otlp.OtlpSchema).
        Otlp.OtlpSchema.PostgreSql,
        // OTLP log records an instance parked when it stopped (Otlp.OtlpParkedLogs).
        Otlp.OtlpSchema.PostgreSqlParked,
        // The span a line of the run waits to be put on (Projections.RunProjectionWriter), filled for the lines before it.
        """
        ALTER TABLE run_logs ADD COLUMN IF NOT EXISTS span_id text COLLATE "C";
        UPDATE run_logs SET span_id = line_json::jsonb -> 'fields' ->> 'otel.spanId'
            WHERE step_id IS NULL AND span_id IS NULL AND line_json LIKE '%"otel.spanId"%';
        CREATE INDEX IF NOT EXISTS run_logs_by_span ON run_logs (run_id, span_id) WHERE span_id IS NOT NULL;
        """,
        // A run's log lines listed by time (Projections.RunQueries.Logs; SQLite keys the table so), the filters' columns
        // beside the key for counts read from the index alone.
        """
        CREATE INDEX IF NOT EXISTS run_logs_by_time ON run_logs (run_id, at, seq) INCLUDE (level_rank, step_id, attempt, loop_index);
        """,
        // Model calls' content events offered to every instance, and the services that send them (Otlp.OtlpContentOffers).
        Otlp.OtlpSchema.PostgreSqlContent,
        // When an instance took an offered record: the row stays until the transaction that uses it (Otlp.OfferState).
        Otlp.OtlpSchema.PostgreSqlTaken,
        // The search words' functions again, same result, as PL/pgSQL: as SQL functions with a FROM clause they were never
        // inlined, so each document the indexer wrote planned both their queries anew, about 0.15 ms of the server's CPU a
        // document against 0.05 ms now. On one connection that capped the indexer at about 6,000 documents a second, half of
        // what ingestion wrote under load, and a search waited for the backlog. A PL/pgSQL function plans its statement once
        // a session. The generated column keeps the function (by its oid), so the rows stored already stay as they are.
        """
        CREATE OR REPLACE FUNCTION search_pairs(words tsvector) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        BEGIN
            RETURN (SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) FROM (
                SELECT lexeme || ' ' || lead(lexeme) OVER (ORDER BY pos) AS pair, lead(pos) OVER (ORDER BY pos) - pos AS gap
                FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest(words)) w
            ) p WHERE gap = 1);
        END
        $fn$;
        CREATE OR REPLACE FUNCTION search_words(body text) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        DECLARE
            words tsvector := to_tsvector('simple', regexp_replace(body, '[[:punct:]]+', ' ', 'g'));
        BEGIN
            RETURN words || search_pairs(words);
        END
        $fn$;
        """,
        // Insights added behind ingestion: each write transaction's deltas wait here for a pass (Insights.InsightsOutbox),
        // and the instances' passes take turns by locking the turn table's one row.
        """
        CREATE TABLE IF NOT EXISTS insight_pending (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, deltas bytea NOT NULL);
        CREATE TABLE IF NOT EXISTS insight_pending_turn (id integer PRIMARY KEY);
        INSERT INTO insight_pending_turn (id) VALUES (1) ON CONFLICT DO NOTHING;
        """,
        // How each pending row's deltas are written (the rows before it, the first way), so that an instance takes only
        // rows it can read; rows it cannot read after all are set aside, not left to stop every pass.
        """
        ALTER TABLE insight_pending ADD COLUMN IF NOT EXISTS format integer NOT NULL DEFAULT 1;
        CREATE TABLE IF NOT EXISTS insight_unreadable (id bigint PRIMARY KEY, format integer NOT NULL, deltas bytea NOT NULL, error text NOT NULL, set_aside_at bigint NOT NULL);
        """,
        // search_pairs again, same pairs, without a query inside: the query (unnest, a window over a sort, an aggregate)
        // was started for every document, about 16 µs of the server's CPU each of the 20-25 a small document's words cost,
        // and the search indexer's inserts are most of PostgreSQL's time under ingestion (results/ingest.md). The words'
        // text form ('lexeme':1,4 'other':2) is read instead, each lexeme put at its positions, and neighbours paired:
        // about 9 µs. A lexeme holding a quote, a backslash or a space (never one search_words makes: they are punctuation
        // or split words) would make that form ambiguous, so such words take the query as before (the backslash written
        // chr(92), which no setting of standard_conforming_strings reads otherwise). Positions stop at
        // 16383 (every later word is counted there), so the word there is not known and makes no pair; the query paired it
        // with whichever of those words its sort put first.
        """
        CREATE OR REPLACE FUNCTION search_pairs(words tsvector) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        DECLARE
            shown text := words::text;
            entries text[] := string_to_array(shown, ' ');
            at text[] := '{}';
            pairs text[] := '{}';
            entry text;
            lexeme text;
            cut integer;
            pos text;
        BEGIN
            IF coalesce(array_length(entries, 1), 0) <> length(words) OR strpos(shown, '''''') > 0 OR strpos(shown, chr(92)) > 0 THEN
                RETURN (SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) FROM (
                    SELECT w.lexeme || ' ' || lead(w.lexeme) OVER (ORDER BY w.pos) AS pair, lead(w.pos) OVER (ORDER BY w.pos) - w.pos AS gap
                    FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(words) u) w
                ) p WHERE gap = 1);
            END IF;
            FOREACH entry IN ARRAY entries LOOP
                cut := strpos(entry, ''':');
                CONTINUE WHEN cut = 0;
                lexeme := substr(entry, 2, cut - 2);
                FOREACH pos IN ARRAY string_to_array(substr(entry, cut + 2), ',') LOOP
                    at[rtrim(pos, 'ABCD')::integer] := lexeme;
                END LOOP;
            END LOOP;
            FOR i IN coalesce(array_lower(at, 1), 1) .. least(coalesce(array_upper(at, 1), 0), 16382) - 1 LOOP
                IF at[i] IS NOT NULL AND at[i + 1] IS NOT NULL THEN
                    pairs := pairs || (at[i] || ' ' || at[i + 1]);
                END IF;
            END LOOP;
            RETURN array_to_tsvector(pairs);
        END
        $fn$;
        """,
        // The failure group of each failed or timed-out run: the executions list's filter from a group to its runs (the
        // runs stored before are placed once by InsightsBackfill).
        """
        CREATE TABLE IF NOT EXISTS run_failures (run_id text COLLATE "C" PRIMARY KEY, signature text COLLATE "C" NOT NULL);
        CREATE INDEX IF NOT EXISTS run_failures_by_signature ON run_failures (signature, run_id);
        """,
        // One index for a run's attempts in order and for its latest ones, where there were two that every attempt's
        // write updated (as on SQLite: RunProjectionSchema.DropSplitStepIndexes).
        """
        CREATE INDEX IF NOT EXISTS run_steps_by_order ON run_steps (run_id, order_index, attempt) INCLUDE (is_latest);
        DROP INDEX IF EXISTS run_steps_latest;
        DROP INDEX IF EXISTS run_steps_order;
        """,
    ];
}
