-- The SQLite schema of the assistant's database (profiles, anonymous counts, opt-in texts).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (
    user_key TEXT PRIMARY KEY,
    gemeente TEXT, wijk TEXT, leeftijd INTEGER, rol TEXT,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,          -- UTC, ISO 8601
    kind TEXT NOT NULL,        -- vraag | crisis | feedback
    gemeente TEXT, wijk TEXT,
    soort TEXT, onderwerp TEXT,
    abstained INTEGER,         -- 1 = no specific match, CJG offered
    crisis TEXT,               -- crisis category
    feedback TEXT,             -- goed | slecht
    behoefte TEXT,             -- the question's own topic (a kennisbank onderwerp), never text
    leeftijd TEXT,             -- age band: 0-3 | 4-11 | 12-17 | 18+
    rol TEXT                   -- ouder | jongere | professional
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE TABLE IF NOT EXISTS question_texts (   -- only filled when the operator opts in
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    user_key TEXT NOT NULL,
    reason TEXT NOT NULL,      -- geen-match | slecht
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answered (   -- Telegram update ids answered, not yet confirmed
    id INTEGER PRIMARY KEY                  -- (no content; removed once Telegram confirmed them)
);
CREATE TABLE IF NOT EXISTS votes (      -- one 👍/👎 per answer per user (not which one)
    user_key TEXT NOT NULL, message_id INTEGER NOT NULL, ts TEXT NOT NULL,
    PRIMARY KEY (user_key, message_id)
);
