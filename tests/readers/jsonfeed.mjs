// Reads a JSON Feed over HTTP the way a Node feed reader does, with
// @extractus/feed-extractor, and prints what it understood as JSON:
// { title, entries: [{ id, title, link, published, description }] }.
// Used by tests/it/readers.rs; feedparser 6.0.14 and newsboat read no JSON Feed.
import { extract } from '@extractus/feed-extractor'

const url = process.argv[2]
const feed = await extract(url, {
  normalization: true,
  useISODateFormat: true,
  descriptionMaxLen: 1e9,
  getExtraEntryFields: (entry) => ({ authors: entry.authors ?? [] }),
})
process.stdout.write(JSON.stringify(feed))
