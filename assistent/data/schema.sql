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
    feedback TEXT              -- goed | slecht
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE TABLE IF NOT EXISTS question_texts (   -- only filled when the operator opts in
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    user_key TEXT NOT NULL,
    reason TEXT NOT NULL,      -- geen-match | slecht
    text TEXT NOT NULL
);
