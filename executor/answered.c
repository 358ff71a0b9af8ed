/* answered: a fixed ring of job ids with an open-addressing index (see
 * answered.h). The ring evicts the oldest id when full; its index slot is
 * marked deleted (a tombstone), and the index is built again once
 * tombstones fill half of it, so lookups of absent ids stay short. */
#include "answered.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char id[37];
    int state;   /* ANSWERED_*; 0: free */
};

struct answered {
    pthread_mutex_t mu;
    struct entry *ring;    /* capacity entries, oldest at next once full */
    int capacity, next;
    int *index;            /* nindex ring positions, -1 free, -2 deleted */
    int nindex, ntomb;
};

static uint32_t hash(const char *id)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

struct answered *answered_new(int capacity)
{
    struct answered *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->capacity = capacity;
    for (a->nindex = 16; a->nindex < capacity * 4; a->nindex *= 2)
        ;
    a->ring = calloc((size_t)capacity, sizeof(*a->ring));
    a->index = malloc((size_t)a->nindex * sizeof(*a->index));
    if (!a->ring || !a->index) {
        answered_free(a);
        return NULL;
    }
    for (int i = 0; i < a->nindex; i++)
        a->index[i] = -1;
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void answered_free(struct answered *a)
{
    if (!a)
        return;
    if (a->ring && a->index)
        pthread_mutex_destroy(&a->mu);
    free(a->ring);
    free(a->index);
    free(a);
}

/* The index slot holding id, or -1. Caller holds a->mu. */
static int find(const struct answered *a, const char *id)
{
    for (uint32_t h = hash(id), n = 0; n < (uint32_t)a->nindex; n++) {
        int i = (int)((h + n) & (uint32_t)(a->nindex - 1));
        if (a->index[i] == -1)
            return -1;
        if (a->index[i] >= 0 && strcmp(a->ring[a->index[i]].id, id) == 0)
            return i;
    }
    return -1;
}

/* Puts ring position pos into the index. Caller holds a->mu. */
static void put(struct answered *a, int pos)
{
    for (uint32_t h = hash(a->ring[pos].id), n = 0;; n++) {
        int i = (int)((h + n) & (uint32_t)(a->nindex - 1));
        if (a->index[i] < 0) {
            a->ntomb -= a->index[i] == -2;
            a->index[i] = pos;
            return;
        }
    }
}

/* Drops the tombstones. Caller holds a->mu. */
static void rebuild(struct answered *a)
{
    for (int i = 0; i < a->nindex; i++)
        a->index[i] = -1;
    a->ntomb = 0;
    for (int pos = 0; pos < a->capacity; pos++)
        if (a->ring[pos].state)
            put(a, pos);
}

static void set(struct answered *a, const char *id, int state)
{
    int i, pos;

    pthread_mutex_lock(&a->mu);
    if ((i = find(a, id)) >= 0) {
        if (state > a->ring[a->index[i]].state)
            a->ring[a->index[i]].state = state;
        pthread_mutex_unlock(&a->mu);
        return;
    }
    pos = a->next;
    a->next = (a->next + 1) % a->capacity;
    if (a->ring[pos].state && (i = find(a, a->ring[pos].id)) >= 0) {
        a->index[i] = -2;   /* the oldest id goes */
        a->ntomb++;
    }
    snprintf(a->ring[pos].id, sizeof(a->ring[pos].id), "%s", id);
    a->ring[pos].state = state;
    if (a->ntomb > a->nindex / 2)
        rebuild(a);
    else
        put(a, pos);
    pthread_mutex_unlock(&a->mu);
}

void answered_queued(struct answered *a, const char *id)
{
    set(a, id, ANSWERED_QUEUED);
}

void answered_delivered(struct answered *a, const char *id)
{
    set(a, id, ANSWERED_DELIVERED);
}

int answered_state(struct answered *a, const char *id)
{
    int i, state;

    pthread_mutex_lock(&a->mu);
    state = (i = find(a, id)) >= 0 ? a->ring[a->index[i]].state : ANSWERED_NO;
    pthread_mutex_unlock(&a->mu);
    return state;
}
