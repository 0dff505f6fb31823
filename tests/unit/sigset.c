/*
 * sigset.c - the synthetic signature tables of sigset.h.  The validators
 * are never called: the matcher only reads names, signatures and aligns.
 */
#include "config.h"

#include "sigset.h"

static void no_validate(struct bread *br, struct carve_result *res)
{
	(void)br;
	carve_reject(res, "synthetic format");
}

#define SIG(lit, off) FORMAT_SIG(lit, off)
#define MSIG(lit, msk, off)                                               \
	{ .bytes = (const uint8_t *)(lit), .mask = (const uint8_t *)(msk),\
	  .len = sizeof(lit) - 1, .offset = (off) }
#define FMT(id, al, ...)                                                  \
	static const struct format_sig id##_sigs[] = { __VA_ARGS__ };     \
	static const struct format id = { .name = #id, .ext = #id,        \
		.description = "synthetic", FORMAT_SIGS(id##_sigs),       \
		.align = (al), .max_size = 1 << 20,                       \
		.validate = no_validate }

FMT(jpeg, 1, SIG("\xff\xd8\xff", 0));
FMT(png, 1, SIG("\x89PNG\r\n\x1a\n", 0));
FMT(gif, 1, SIG("GIF87a", 0), SIG("GIF89a", 0));
FMT(tiff, 1, SIG("II*\0", 0), SIG("MM\0*", 0), SIG("IIRO", 0),
    SIG("IIU\0", 0), SIG("MMOR", 0));
FMT(bmff, 1, SIG("ftyp", 4), FORMAT_SIG_ALIGNED("mdat", 4, 512),
    FORMAT_SIG_ALIGNED("wide", 4, 64));
FMT(riff, 1, SIG("RIFF", 0), SIG("RF64", 0), SIG("BW64", 0));
FMT(ogg, 1, SIG("OggS\0\x02", 0));
FMT(zip, 1, SIG("PK\x03\x04", 0));
FMT(pdf, 1, SIG("%PDF-", 0));
FMT(mp3, 512, FORMAT_SIG_ALIGNED("ID3", 0, 1),
    MSIG("\xff\xe2", "\xff\xe6", 0));
FMT(bmp, 512, SIG("BM", 0));
FMT(mpegps, 512, SIG("\0\0\x01\xba", 0));
FMT(flac, 1, SIG("fLaC", 0));
FMT(mkv, 1, SIG("\x1a\x45\xdf\xa3", 0));
FMT(sevenz, 1, SIG("7z\xbc\xaf\x27\x1c", 0));
FMT(rar, 1, SIG("Rar!\x1a\x07", 0));
FMT(gzip, 1, SIG("\x1f\x8b\x08", 0));
FMT(bzip2, 1, MSIG("BZh0", "\xff\xff\xff\xf0", 0));
FMT(xz, 1, SIG("\xfd" "7zXZ\0", 0));
FMT(sqlite, 1, SIG("SQLite format 3\0", 0));
FMT(ole, 1, SIG("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0));
FMT(psd, 1, SIG("8BPS", 0));
FMT(midi, 1, SIG("MThd", 0));
FMT(wave, 1, SIG("WAVEfmt ", 8), SIG("AVI LIST", 8));
FMT(webp, 1, MSIG("RIFF\0\0\0\0WEBP", "\xff\xff\xff\xff\0\0\0\0\xff\xff\xff\xff", 0));
FMT(exe, 4096, SIG("MZ", 0));
FMT(elf, 1, SIG("\x7f" "ELF", 0));
FMT(macho, 4, SIG("\xfe\xed\xfa\xce", 0), SIG("\xca\xfe\xba\xbe", 0));
FMT(adts, 1, MSIG("\xff\xf1", "\xff\xf6", 0));
FMT(iso, 1, SIG("CD001", 1));
FMT(mbr, 512, SIG("\x55\xaa", 30));
FMT(jp2, 2, SIG("\0\0\0\x0cjP  ", 0));

const struct format *const sigset_real[] = {
	&jpeg, &png, &gif, &tiff, &bmff, &riff, &ogg, &zip, &pdf, &mp3,
	&bmp, &mpegps, &flac, &mkv, &sevenz, &rar, &gzip, &bzip2, &xz,
	&sqlite, &ole, &psd, &midi, &wave, &webp, &exe, &elf, &macho, &adts,
	&iso, &mbr, &jp2,
};
const unsigned sigset_real_count =
	sizeof(sigset_real) / sizeof(sigset_real[0]);

FMT(maskfirst, 1, MSIG("\x40\x00\x00\x01", "\xc0\xff\xff\xff", 0));
FMT(anyfirst, 1, MSIG("\x00Q", "\x00\xff", 0));
FMT(frequent, 1, MSIG("\x00\x00", "\x80\x80", 0));
FMT(twice, 1, SIG("ID3", 0), SIG("ID", 0), SIG("D3", 1));
FMT(deep, 1, SIG("\xde\xad", 30), SIG("\xbe\xef\x01\x02\x03\x04\x05\x06\x07\x08", 22));
FMT(single, 1, SIG("\xd8", 0));
FMT(repeat, 1, SIG("\xff\xd8\xff\xd8", 0), SIG("\xd8\xff\xd8\xff\xd8", 3));
FMT(odd3, 3, SIG("\xab\xcd", 0));
FMT(gap, 1, MSIG("A\0\0\0\0B", "\xff\0\0\0\0\xff", 5));
FMT(zeros, 1, SIG("\0\0\0\0\0\0\0\0\0", 0));
FMT(ffrun, 16, SIG("\xff\xff\xff", 2));

const struct format *const sigset_odd[] = {
	&maskfirst, &anyfirst, &frequent, &twice, &deep, &single, &repeat,
	&odd3, &gap, &zeros, &ffrun, &jpeg, &bmff, &mp3,
};
const unsigned sigset_odd_count = sizeof(sigset_odd) / sizeof(sigset_odd[0]);

/* Signatures far from the file start (tar's magic sits at 257): past any
 * 64-byte filter step, cut at chunk edges more often than not, and up to
 * the matcher's last byte of reach. */
FMT(ustar, 1, SIG("ustar", 257));
FMT(ustar512, 512, SIG("ustar\0", 257), SIG("ustar ", 257));
FMT(far200, 1, SIG("\xfa\xce", 200), SIG("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 210));
FMT(farmask, 2, MSIG("\x10\x20\x30", "\xf0\xf0\xff", 230),
    SIG("\xee", 263));
FMT(farlong, 1, SIG("0123456789abcdef0123456789ABCDEF", 232));
FMT(farany, 1, MSIG("\0ZZ", "\0\xff\xff", 244), SIG("\0\0", 260));

const struct format *const sigset_far[] = {
	&ustar, &ustar512, &far200, &farmask, &farlong, &farany, &jpeg,
	&mp3, &deep, &bmff,
};
const unsigned sigset_far_count = sizeof(sigset_far) / sizeof(sigset_far[0]);

unsigned sigset_nsigs(const struct format *const *fl, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += fl[i]->nsigs;
	return k;
}
