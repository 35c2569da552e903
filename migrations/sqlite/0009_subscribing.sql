-- Subscribing (issue 12, point 7).

-- The outlet's site, as a feed source's own feed names it (RSS channel
-- `link`, Atom `rel="alternate"`, JSON Feed `home_page_url`): what the
-- served feed's site link and the OPML `htmlUrl` point at. NULL for a
-- listing source (its page URL is its site link) and until first read.
ALTER TABLE sources ADD COLUMN site TEXT;
