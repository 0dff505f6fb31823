/*
 * html.c - report.html (see html.h).
 *
 * Two passes over report.jsonl, each one line at a time, keep memory
 * bounded whatever the number of files: the first makes the thumbnails
 * and the gallery, the second the table.  The gallery stops at
 * GALLERY_MAX pictures and VIDEO_MAX clips (the table lists every file).
 *
 * Videos are shown in a <video preload="metadata"> element and get no
 * poster of our own: decoding a frame would need a video decoder in the
 * writer, and with the metadata loaded the browser draws the first frame
 * itself.
 *
 * Names of recovered files are dredge's own (TYPE/fNNNN.EXT), but they
 * come back from a file on disk, so a link is made only from a name of
 * plain characters; every text from the report (metadata is hostile) goes
 * through html_text.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fsview.h"
#include "out/html.h"
#include "out/regular.h"
#include "out/report_read.h"
#include "out/thumb.h"

#define GALLERY_MAX 2000
#define VIDEO_MAX 200
#define RUNS_SHOWN 8
/* Threads that make thumbnails when the caller leaves it to the CPUs. */
#define THUMB_THREADS_MAX 16

/* Text for an element or a quoted attribute: markup characters become
 * references, bytes outside ASCII are taken as Latin-1 (as in the DFXML),
 * control characters become '?'. */
static void html_text(FILE *f, const char *s)
{
	report_markup_text(f, s, "&#39;");
}

/* Whether name is one dredge writes (TYPE/NAME of plain characters), so
 * that it can be a relative link. */
static int plain_name(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && name[0] != '/' &&
	       strstr(name, "..") == NULL && strchr(name, ':') == NULL &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-/") == strlen(name);
}

static int is_type(const char *type, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(type, *list) == 0)
			return 1;
	return 0;
}

static const char *const shown_as_is[] = { "png", "gif", "bmp", "webp", NULL };
static const char *const videos[] = { "mp4", "m4v", "mov", NULL };

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;"
	"vertical-align:top;border-bottom:1px solid #ddd}"
	"#files th{cursor:pointer;background:#eee;user-select:none;"
	"position:sticky;top:0}"
	"#files th.asc::after{content:' \\25B2'}"
	"#files th.desc::after{content:' \\25BC'}"
	"td.n{text-align:right;white-space:nowrap}code{font-size:11px}"
	".gallery{display:flex;flex-wrap:wrap;gap:8px}"
	".gallery figure{margin:0;width:168px;text-align:center;font-size:11px}"
	".gallery img{max-width:160px;max-height:160px}"
	".gallery video{width:160px;max-height:160px;background:#000}"
	"#filter{width:24em;margin:0.5em 0}.kv th{background:none}";

/* Sorting (a click on a header; #sort=COL or #sort=-COL in the address
 * does the same on load), filtering (the box, or &filter=TEXT in the
 * address), and a status line saying how many pictures loaded (tests read
 * it from the DOM). */
static const char script[] =
	"(function(){"
	"var t=document.getElementById('files'),tb=t.tBodies[0],"
	"hs=t.tHead.rows[0].cells,dir={};"
	"function key(r,i,num){var c=r.cells[i],v=c.getAttribute('data-v');"
	"if(v===null)v=c.textContent;return num?Number(v):v.toLowerCase();}"
	"function sortBy(i){var num=hs[i].hasAttribute('data-num'),"
	"d=dir[i]=dir[i]===1?-1:1,rows=Array.prototype.slice.call(tb.rows);"
	"rows.sort(function(a,b){var x=key(a,i,num),y=key(b,i,num);"
	"return x<y?-d:x>y?d:0;});"
	"rows.forEach(function(r){tb.appendChild(r);});"
	"for(var k=0;k<hs.length;k++)hs[k].className=k===i?(d>0?'asc':'desc'):'';"
	"t.setAttribute('data-sorted',(d>0?'':'-')+hs[i].getAttribute('data-col'));}"
	"for(var i=0;i<hs.length;i++)(function(i){"
	"hs[i].addEventListener('click',function(){sortBy(i);});})(i);"
	"var f=document.getElementById('filter');"
	"f.addEventListener('input',function(){var q=f.value.toLowerCase(),n=0;"
	"Array.prototype.forEach.call(tb.rows,function(r){"
	"var s=r.textContent.toLowerCase().indexOf(q)>=0;"
	"r.style.display=s?'':'none';n+=s?1:0;});"
	"document.getElementById('shown').textContent=n;});"
	"var m=/^#sort=(-?)([a-z]+)/.exec(location.hash),"
	"q=/[#&]filter=([^&]*)/.exec(location.hash);"
	"if(q){f.value=decodeURIComponent(q[1]);"
	"f.dispatchEvent(new Event('input'));}"
	"if(m)for(var j=0;j<hs.length;j++)"
	"if(hs[j].getAttribute('data-col')===m[2]){hs[j].click();"
	"if(m[1])hs[j].click();}"
	"window.addEventListener('load',function(){var im=document.images,ok=0;"
	"for(var i=0;i<im.length;i++)if(im[i].complete&&im[i].naturalWidth>0)ok++;"
	"var s=document.getElementById('imgstatus');"
	"s.setAttribute('data-loaded',ok);s.setAttribute('data-total',im.length);"
	"s.textContent=ok+' of '+im.length+' pictures loaded';});"
	"})();";

/* Calls fn for each file entry of report.jsonl in dirfd; 0 or -errno. */
static int each_entry(int dirfd, void (*fn)(void *, const struct report_rec *),
                      void *arg)
{
	int fd = openat_regular(dirfd, "report.jsonl", NULL);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		int rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct report_rec r;
		if ((size_t)n > REPORT_LINE_MAX ||
		    report_parse_line(line, &r) != 0)
			continue;
		fn(arg, &r);
		report_rec_free(&r);
	}
	int rc = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	return rc;
}

/* A thumbnail made ahead of the gallery pass (see plan_run). */
struct tjob {
	uint64_t id;                 /* the report entry's */
	char *src, *dst;
	uint64_t size;               /* the photo's, when it needs decoding */
	int rc;                      /* thumbnail()'s answer */
	uint64_t left;               /* made early: the budget left after it */
};

struct pass {
	FILE *f;
	int dirfd;
	const struct html_info *info;
	unsigned pictures, clips;
	int thumbs_dir;              /* thumbs/ made */
	uint64_t decode_budget;      /* see THUMB_DECODE_BUDGET */
	/* The JPEG entries the gallery may show, their thumbnails made
	 * ahead on several threads, in report order; the gallery pass
	 * takes them from next on. */
	struct tjob *job;
	size_t njob, cap, next;
	unsigned shown;              /* pictures the gallery may show */
	atomic_size_t take;          /* the job a thread makes next */
	int phase;                   /* 0: EXIF or none, 1: the photo */
	size_t from;                 /* the first job a round makes */
	int failed;                  /* out of memory planning */
};

/* The name of the thumbnail of src, into dst. */
static void thumb_name(const char *src, char *dst, size_t len)
{
	const char *base = strrchr(src, '/');

	snprintf(dst, len, "thumbs/%s", base ? base + 1 : src);
}

/* Whether thumbs/ is there (made when not); 0 or -errno. */
static int thumbs_dir(struct pass *p)
{
	if (!p->thumbs_dir) {
		if (mkdirat(p->dirfd, "thumbs", 0755) != 0 && errno != EEXIST)
			return -errno;
		p->thumbs_dir = 1;
	}
	return 0;
}

/* Whether the thumbnail dst of src is there and newer than src (a
 * resumed scan made it before): 1, 0, or -errno when src is not. */
static int thumb_current(int dirfd, const char *src, const char *dst)
{
	struct stat sf, st;

	if (fstatat(dirfd, src, &sf, 0) != 0)
		return -errno;
	return fstatat(dirfd, dst, &st, 0) == 0 && st.st_size > 0 &&
	       (st.st_mtim.tv_sec > sf.st_mtim.tv_sec ||
	        (st.st_mtim.tv_sec == sf.st_mtim.tv_sec &&
	         st.st_mtim.tv_nsec >= sf.st_mtim.tv_nsec));
}

/* The thumbnail dst of the JPEG src: kept when current, else made by
 * thumb_jpeg from *budget.  0 when there is one. */
static int thumb_keep_or_make(int dirfd, const char *src, const char *dst,
                              uint64_t *budget)
{
	int rc = thumb_current(dirfd, src, dst);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	return thumb_jpeg(dirfd, src, dst, budget);
}

/* The thumbnail of a JPEG entry: made unless one is current, or taken
 * from those made ahead.  0 when there is one. */
static int thumbnail(struct pass *p, const struct report_rec *r,
                     char *dst, size_t len)
{
	thumb_name(r->filename, dst, len);
	if (p->next < p->njob && p->job[p->next].id == r->id &&
	    strcmp(p->job[p->next].src, r->filename) == 0)
		return p->job[p->next++].rc;
	int rc = thumbs_dir(p);
	if (rc != 0)
		return rc;
	return thumb_keep_or_make(p->dirfd, r->filename, dst,
	                          &p->decode_budget);
}

/* Whether the gallery may show entry r as a JPEG's thumbnail, counting in
 * *shown the pictures it may show so far. */
static bool gallery_jpeg(unsigned *shown, const struct report_rec *r)
{
	if (*shown >= GALLERY_MAX || r->duplicate_of != 0 ||
	    !plain_name(r->filename))
		return false;
	if (is_type(r->type, shown_as_is) && r->complete)
		(*shown)++;
	if (strcmp(r->type, "jpg") != 0)
		return false;
	(*shown)++;
	return true;
}

/* Adds the job for entry r to job[0..*n) (*cap of room); 0 or -ENOMEM. */
static int job_add(struct tjob **job, size_t *n, size_t *cap,
                   const struct report_rec *r)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct tjob *j = realloc(*job, c * sizeof(*j));
		if (j == NULL)
			return -ENOMEM;
		*job = j;
		*cap = c;
	}
	char dst[300];
	thumb_name(r->filename, dst, sizeof(dst));
	struct tjob *j = &(*job)[*n];
	*j = (struct tjob){ .id = r->id, .src = strdup(r->filename),
	                    .dst = strdup(dst), .rc = -EAGAIN };
	if (j->src == NULL || j->dst == NULL) {
		free(j->src);
		free(j->dst);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/*
 * Thumbnails made ahead.  Decoding photos is most of what writing the
 * page costs, and each is independent of the others, so they are made on
 * several threads before the gallery pass, which then only takes their
 * answers.  The page must not depend on the threads: the decoding budget
 * goes to the photos in report order, as thumbnail() gives it.  So the
 * first round makes every thumbnail that needs no budget (EXIF ones, and
 * those already current) and notes the size of each photo that needs
 * decoding; the budget is then shared out in order on one thread; the
 * second round decodes the photos that got it.  Planned are the JPEG
 * entries the gallery shows at most (it stops at GALLERY_MAX pictures,
 * and counts a JPEG only when its thumbnail is there): past them, and
 * after a failure here, thumbnail() makes them one by one as before.
 */
static void plan_entry(void *arg, const struct report_rec *r)
{
	struct pass *p = arg;

	if (!p->failed && gallery_jpeg(&p->shown, r) &&
	    job_add(&p->job, &p->njob, &p->cap, r) != 0)
		p->failed = 1;
}

static void plan_free(struct pass *p)
{
	for (size_t i = 0; i < p->njob; i++) {
		free(p->job[i].src);
		free(p->job[i].dst);
	}
	free(p->job);
	p->job = NULL;
	p->njob = p->cap = p->next = 0;
}

/* One thread's share of a round: the jobs not taken yet, one at a time. */
static void *plan_worker(void *arg)
{
	struct pass *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->take, 1)) < p->njob) {
		struct tjob *j = &p->job[i];
		if (p->phase == 0) {
			int rc = thumb_current(p->dirfd, j->src, j->dst);
			j->rc = rc != 0 ? (rc < 0 ? rc : 0)
			        : thumb_exif(p->dirfd, j->src, j->dst, &j->size);
		} else if (j->rc == -EINPROGRESS) {
			j->rc = thumb_photo(p->dirfd, j->src, j->dst);
		}
	}
	return NULL;
}

/* A round on n threads (this one among them). */
static void plan_round(struct pass *p, int phase, unsigned n)
{
	pthread_t t[THUMB_THREADS_MAX];
	unsigned k = 0;

	p->phase = phase;
	atomic_store(&p->take, p->from);
	while (k + 1 < n && pthread_create(&t[k], NULL, plan_worker, p) == 0)
		k++;
	plan_worker(p);
	while (k > 0)
		pthread_join(t[--k], NULL);
}

/* ------------------------------------------------- made while scanning */

/*
 * The thumbnails of the photos the writer commits, made on a thread of
 * their own while the scan goes on, in report order and by the rule the
 * gallery pass follows (thumbnail(): a current one is kept, an EXIF one
 * made, else the photo decoded while the budget lasts).  So the first
 * jobs it made are the ones plan_run would make, with the same answers
 * and the same budget left after them: plan_run takes them (early_take)
 * and makes only the rest.
 */
struct html_early {
	int dirfd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tjob *job;            /* the gallery's JPEG jobs, in order */
	size_t njob, cap;
	size_t made;                 /* job[0..made) are made */
	unsigned shown;              /* as pass.shown */
	uint64_t budget;             /* the worker's, after job[made - 1] */
	bool stop;                   /* make no more */
	bool failed;                 /* out of memory, or no thumbs/: take
	                                no more jobs */
};

static void *early_main(void *arg)
{
	struct html_early *e = arg;
	bool dir = false;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (!e->stop && !e->failed && e->made == e->njob)
			pthread_cond_wait(&e->cond, &e->lock);
		if (e->stop || e->made == e->njob)
			break;
		const char *src = e->job[e->made].src;
		const char *dst = e->job[e->made].dst;
		pthread_mutex_unlock(&e->lock);
		if (!dir && mkdirat(e->dirfd, "thumbs", 0755) != 0 &&
		    errno != EEXIST) {
			pthread_mutex_lock(&e->lock);
			e->failed = true;
			break;
		}
		dir = true;
		/* (the budget is this thread's until early_stop joins it) */
		int rc = thumb_keep_or_make(e->dirfd, src, dst, &e->budget);
		pthread_mutex_lock(&e->lock);
		e->job[e->made].rc = rc;
		e->job[e->made].left = e->budget;
		e->made++;
		pthread_cond_broadcast(&e->cond);
	}
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

int html_early_start(struct html_early **out, int dirfd)
{
	struct html_early *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (e == NULL)
		return -ENOMEM;
	e->dirfd = dirfd;
	e->budget = THUMB_DECODE_BUDGET;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	if ((rc = pthread_create(&e->thread, NULL, early_main, e)) != 0) {
		pthread_cond_destroy(&e->cond);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return -rc;
	}
	*out = e;
	return 0;
}

void html_early_add(struct html_early *e, const struct report_rec *r)
{
	pthread_mutex_lock(&e->lock);
	if (!e->failed && !e->stop && gallery_jpeg(&e->shown, r)) {
		if (job_add(&e->job, &e->njob, &e->cap, r) != 0)
			e->failed = true;
		pthread_cond_broadcast(&e->cond);
	}
	pthread_mutex_unlock(&e->lock);
}

size_t html_early_drain(struct html_early *e)
{
	pthread_mutex_lock(&e->lock);
	while (!e->stop && !e->failed && e->made < e->njob)
		pthread_cond_wait(&e->cond, &e->lock);
	size_t n = e->made;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* Stops the worker once the job in hand is made. */
static void early_stop(struct html_early *e)
{
	pthread_mutex_lock(&e->lock);
	bool joined = e->stop;
	e->stop = true;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	if (!joined)
		pthread_join(e->thread, NULL);
}

void html_early_free(struct html_early *e)
{
	if (e == NULL)
		return;
	early_stop(e);
	for (size_t i = 0; i < e->njob; i++) {
		free(e->job[i].src);
		free(e->job[i].dst);
	}
	free(e->job);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* The jobs e made that begin p's (the same entries in the same order),
 * taken with the budget left after them; how many. */
static size_t early_take(struct pass *p, struct html_early *e)
{
	size_t k = 0;

	if (e == NULL)
		return 0;
	early_stop(e);
	while (k < p->njob && k < e->made && p->job[k].id == e->job[k].id &&
	       strcmp(p->job[k].src, e->job[k].src) == 0) {
		p->job[k].rc = e->job[k].rc;
		k++;
	}
	if (k > 0)
		p->decode_budget = e->job[k - 1].left;
	return k;
}

static void plan_run(struct pass *p, unsigned threads,
                     struct html_early *early)
{
	if (threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (unsigned)c : 1;
	}
	if (threads > THUMB_THREADS_MAX)
		threads = THUMB_THREADS_MAX;
	if (each_entry(p->dirfd, plan_entry, p) != 0 || p->failed ||
	    thumbs_dir(p) != 0) {
		plan_free(p);   /* made one by one, as the gallery goes */
		return;
	}
	p->from = early_take(p, early);
	plan_round(p, 0, threads);
	for (size_t i = p->from; i < p->njob; i++) {
		struct tjob *j = &p->job[i];
		if (j->rc != -EAGAIN)
			continue;
		if (j->size > p->decode_budget) {
			j->rc = -EFBIG;
			continue;
		}
		p->decode_budget -= j->size;
		j->rc = -EINPROGRESS;
	}
	plan_round(p, 1, threads);
}

static void caption(FILE *f, const struct report_rec *r)
{
	fputs("<figcaption>", f);
	html_text(f, r->filename);
	if (!r->complete)
		fputs(" (truncated)", f);
	fputs("</figcaption></figure>\n", f);
}

static void gallery_entry(void *arg, const struct report_rec *r)
{
	struct pass *p = arg;
	FILE *f = p->f;
	char thumb[300];

	if (r->duplicate_of != 0 || !plain_name(r->filename))
		return;
	if (strcmp(r->type, "jpg") == 0 && p->pictures < GALLERY_MAX) {
		int rc = thumbnail(p, r, thumb, sizeof(thumb));
		if (rc == -EFBIG && r->complete)   /* past the budget */
			snprintf(thumb, sizeof(thumb), "%s", r->filename);
		else if (rc != 0)
			return;
		fprintf(f, "<figure><a href=\"%s\"><img src=\"%s\" alt=\"\">"
		        "</a>", r->filename, thumb);
		caption(f, r);
		p->pictures++;
	} else if (is_type(r->type, shown_as_is) && r->complete &&
	           p->pictures < GALLERY_MAX) {
		fprintf(f, "<figure><a href=\"%s\"><img src=\"%s\" alt=\"\">"
		        "</a>", r->filename, r->filename);
		caption(f, r);
		p->pictures++;
	} else if (is_type(r->type, videos) && p->clips < VIDEO_MAX) {
		fprintf(f, "<figure><video controls preload=\"metadata\" "
		        "src=\"%s\"></video>", r->filename);
		caption(f, r);
		p->clips++;
	}
}

/* A cell sorted by number v. */
static void num_cell(FILE *f, const char *cls, uint64_t v)
{
	fprintf(f, "<td class=\"n %s\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>",
	        cls, v, v);
}

static void table_entry(void *arg, const struct report_rec *r)
{
	struct pass *p = arg;
	FILE *f = p->f;

	fputs("<tr>", f);
	num_cell(f, "id", r->id);
	fputs("<td>", f);
	if (!p->info->report_only && r->duplicate_of == 0 &&
	    plain_name(r->filename))
		fprintf(f, "<a href=\"%s\">%s</a>", r->filename, r->filename);
	else
		html_text(f, r->filename);
	fputs("</td><td>", f);
	html_text(f, r->type);
	fprintf(f, "</td><td>%s", r->suspect ? "suspect" :
	        !r->complete ? "truncated" :
	        r->nruns > 1 ? "reassembled" : "complete");
	if (r->duplicate_of)
		fprintf(f, ", duplicate of %" PRIu64, r->duplicate_of);
	fputs("</td>", f);
	num_cell(f, "size", r->size);
	if (r->has_cluster)
		fprintf(f, "<td class=\"n\" data-v=\"%" PRIu64 "\">cluster %"
		        PRIu64 "</td>", r->offset, r->cluster);
	else
		fprintf(f, "<td class=\"n\" data-v=\"%" PRIu64 "\">sector %"
		        PRIu64 "</td>", r->offset,
		        r->offset / (p->info->sector_size ?
		                     p->info->sector_size : 512));
	fprintf(f, "<td data-v=\"%u\"><code>", r->nruns);
	for (unsigned i = 0; i < r->nruns && i < RUNS_SHOWN; i++) {
		uint64_t img = r->runs[i].img_off;
		if (fsview_ext_is_source(&r->runs[i]))
			fprintf(f, "%s%" PRIu64 "+%" PRIu64, i ? "<br>" : "",
			        img, r->runs[i].len);
		else
			fprintf(f, "%s%s+%" PRIu64, i ? "<br>" : "",
			        img == FSVIEW_HOLE ? "zeros" : img == FSVIEW_RESIDENT
			        ? "resident" : "compressed", r->runs[i].len);
	}
	if (r->nruns > RUNS_SHOWN)
		fprintf(f, "<br>&hellip; %u runs", r->nruns);
	fputs("</code></td><td>", f);
	html_text(f, r->camera);
	fputs("</td><td>", f);
	html_text(f, r->date);
	fputs("</td><td><code>", f);
	int any = 0;
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (r->digests.hex[i][0] != '\0') {
			fprintf(f, "%s%s&nbsp;%s", any ? "<br>" : "",
			        digest_name(i), r->digests.hex[i]);
			any = 1;
		}
	fprintf(f, "%sxxh3-128&nbsp;%s</code></td></tr>\n", any ? "<br>" : "",
	        r->hash);
}

static void summary(FILE *f, const struct html_info *in)
{
	uint64_t bad_bytes = 0;

	for (uint64_t i = 0; i < in->nbad; i++)
		bad_bytes += in->bad[i].len;
	fputs("<h2>Summary</h2>\n<table class=\"kv\" id=\"summary\">\n"
	      "<tr><th>source</th><td>", f);
	html_text(f, in->source);
	fprintf(f, " (%" PRIu64 " bytes, %" PRIu32 "-byte sectors)</td></tr>\n",
	        in->source_size, in->sector_size);
	if (in->volume[0] != '\0') {
		fputs("<tr><th>volume</th><td>", f);
		html_text(f, in->volume);
		fputs("</td></tr>\n", f);
	}
	fputs("<tr><th>command</th><td><code>", f);
	html_text(f, in->command_line ? in->command_line : "");
	fputs("</code></td></tr>\n<tr><th>digests</th><td>", f);
	html_text(f, in->hashes);
	fputs("</td></tr>\n<tr><th>status</th><td id=\"status\">", f);
	html_text(f, in->status);
	fprintf(f, "</td></tr>\n<tr><th>this run</th><td>%s to %s, %.2f s"
	        "</td></tr>\n<tr><th>scanned</th><td>%" PRIu64 " bytes"
	        "</td></tr>\n<tr><th>files</th><td>%" PRIu64 " written (%"
	        PRIu64 " truncated), %" PRIu64 " duplicates</td></tr>\n"
	        "<tr><th>unreadable</th><td>%" PRIu64 " ranges, %" PRIu64
	        " bytes (read as zeros)", in->started, in->ended, in->seconds,
	        in->bytes_scanned, in->files, in->truncated, in->duplicates,
	        in->nbad, bad_bytes);
	for (uint64_t i = 0; i < in->nbad && i < 1000; i++)
		fprintf(f, "%s%" PRIu64 "+%" PRIu64, i ? ", " : "<br><code>",
		        in->bad[i].off, in->bad[i].len);
	if (in->nbad > 1000)
		fputs(", &hellip;", f);
	fprintf(f, "%s</td></tr>\n</table>\n", in->nbad ? "</code>" : "");
}

int html_write(int dirfd, const struct html_info *info)
{
	static const char part[] = "report.html.part";
	int fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct pass p = { .f = f, .dirfd = dirfd, .info = info,
	                  .decode_budget = THUMB_DECODE_BUDGET };
	int rc;

	if (f == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "\n<title>dredge: ", f);
	html_text(f, info->source);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n"
	        "<h1>dredge report: ", style);
	html_text(f, info->source);
	fputs("</h1>\n", f);
	summary(f, info);

	fputs("<h2>Gallery</h2>\n", f);
	if (info->report_only)
		fputs("<p>A --report-only scan writes no files: <code>dredge "
		      "extract</code> writes chosen ones.</p>\n", f);
	fputs("<div class=\"gallery\" id=\"gallery\">\n", f);
	if (!info->report_only)
		plan_run(&p, info->threads, info->early);
	rc = info->report_only ? 0 : each_entry(dirfd, gallery_entry, &p);
	plan_free(&p);
	fputs("</div>\n", f);
	if (p.pictures >= GALLERY_MAX || p.clips >= VIDEO_MAX)
		fprintf(f, "<p>The gallery shows the first %u pictures and %u "
		        "clips; the table lists every file.</p>\n", GALLERY_MAX,
		        VIDEO_MAX);

	fprintf(f, "<h2>Files</h2>\n<p><input id=\"filter\" type=\"search\" "
	        "placeholder=\"filter: type, name, camera, digest...\"> "
	        "<span id=\"shown\"></span></p>\n"
	        "<table id=\"files\"><thead><tr>"
	        "<th data-col=\"id\" data-num>#</th>"
	        "<th data-col=\"file\">file</th>"
	        "<th data-col=\"type\">type</th>"
	        "<th data-col=\"status\">status</th>"
	        "<th data-col=\"size\" data-num>size</th>"
	        "<th data-col=\"start\" data-num>start</th>"
	        "<th data-col=\"runs\" data-num>byte runs</th>"
	        "<th data-col=\"camera\">camera</th>"
	        "<th data-col=\"date\">date</th>"
	        "<th data-col=\"digests\">digests</th>"
	        "</tr></thead>\n<tbody>\n");
	if (rc == 0)
		rc = each_entry(dirfd, table_entry, &p);
	fprintf(f, "</tbody></table>\n<p id=\"imgstatus\"></p>\n"
	        "<script>%s</script>\n</body></html>\n", script);
	if (fflush(f) != 0 || ferror(f))
		rc = rc ? rc : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, part, dirfd, "report.html") != 0)
		rc = -errno;
	if (rc != 0)
		unlinkat(dirfd, part, 0);
	return rc;
}
