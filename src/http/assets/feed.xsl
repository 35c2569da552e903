<?xml version="1.0" encoding="UTF-8"?>
<!--
  refeed's feed stylesheet: a browser that opens an RSS or Atom feed shows
  this page instead of raw XML; feed readers ignore it. Written for
  refeed's own feeds (served at /feed.xsl).

  Safe by construction: every value goes out through xsl:value-of (text,
  escaped by the processor), never unescaped output. Summaries are
  sanitized HTML stored as text; they are shown as text, with their tags
  removed, cut to their first 400 characters. A link is made a link only
  when it is http(s).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="no"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/> (feed)</title>
        <style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
.about { border: 1px solid #8886; border-radius: .4rem; padding: .5rem 1rem; }
.about code { overflow-wrap: anywhere; }
article { border-top: 1px solid #8884; padding: .5rem 0; }
h2 { font-size: 1.1rem; margin: .25rem 0; }
.meta { font-size: .85rem; opacity: .75; margin: 0; }
.summary { margin: .25rem 0 0; }
        </style>
      </head>
      <body>
        <main>
          <xsl:apply-templates select="rss/channel | atom:feed"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- RSS 2.0 -->
  <xsl:template match="channel">
    <xsl:call-template name="heading">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="description" select="description"/>
      <xsl:with-param name="site" select="link"/>
      <xsl:with-param name="self" select="*[local-name() = 'link' and @rel = 'self']/@href"/>
      <xsl:with-param name="format" select="'RSS'"/>
    </xsl:call-template>
    <xsl:for-each select="item">
      <xsl:call-template name="item">
        <xsl:with-param name="title" select="title"/>
        <xsl:with-param name="link" select="link"/>
        <xsl:with-param name="date" select="pubDate"/>
        <xsl:with-param name="author" select="dc:creator | author"/>
        <xsl:with-param name="summary" select="description"/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <!-- Atom 1.0 -->
  <xsl:template match="atom:feed">
    <xsl:call-template name="heading">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="description" select="atom:subtitle"/>
      <xsl:with-param name="site" select="atom:link[@rel = 'alternate']/@href"/>
      <xsl:with-param name="self" select="atom:link[@rel = 'self']/@href"/>
      <xsl:with-param name="format" select="'Atom'"/>
    </xsl:call-template>
    <xsl:for-each select="atom:entry">
      <xsl:call-template name="item">
        <xsl:with-param name="title" select="atom:title"/>
        <xsl:with-param name="link" select="(atom:link[@rel = 'alternate'] | atom:link[not(@rel)])[1]/@href"/>
        <xsl:with-param name="date" select="(atom:published | atom:updated)[1]"/>
        <xsl:with-param name="author" select="atom:author/atom:name"/>
        <xsl:with-param name="summary" select="atom:summary"/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="heading">
    <xsl:param name="title"/>
    <xsl:param name="description"/>
    <xsl:param name="site"/>
    <xsl:param name="self"/>
    <xsl:param name="format"/>
    <h1><xsl:value-of select="$title"/></h1>
    <p><xsl:value-of select="$description"/></p>
    <div class="about">
      <p>This is a <strong><xsl:value-of select="$format"/> feed</strong>:
        a browser shows it as this page, a feed reader gets the news as they come.
        To subscribe, copy this address into your feed reader:</p>
      <p><code><xsl:value-of select="$self"/></code></p>
      <xsl:if test="starts-with($site, 'http://') or starts-with($site, 'https://')">
        <p>Source: <a href="{$site}"><xsl:value-of select="$site"/></a></p>
      </xsl:if>
    </div>
  </xsl:template>

  <xsl:template name="item">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="date"/>
    <xsl:param name="author"/>
    <xsl:param name="summary"/>
    <article>
      <h2>
        <xsl:choose>
          <xsl:when test="starts-with($link, 'http://') or starts-with($link, 'https://')">
            <a href="{$link}"><xsl:value-of select="$title"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$title"/></xsl:otherwise>
        </xsl:choose>
      </h2>
      <p class="meta">
        <xsl:value-of select="$date"/>
        <xsl:if test="string($author)"> · <xsl:value-of select="$author"/></xsl:if>
      </p>
      <xsl:if test="string($summary)">
        <p class="summary">
          <xsl:call-template name="text">
            <xsl:with-param name="html" select="substring(normalize-space($summary), 1, 400)"/>
          </xsl:call-template>
        </p>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- Text with its tags removed: one call per tag (at most 200 in 400
       characters, far below libxslt's recursion limit). -->
  <xsl:template name="text">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&lt;')">
        <xsl:value-of select="substring-before($html, '&lt;')"/>
        <xsl:variable name="rest" select="substring-after($html, '&lt;')"/>
        <xsl:if test="contains($rest, '&gt;')">
          <xsl:call-template name="text">
            <xsl:with-param name="html" select="substring-after($rest, '&gt;')"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$html"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
