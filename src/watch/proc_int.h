/* proc_int.h - the two ways proc.c finds a process tree, apart so that the
 * tests can check each against the other. Everyone else calls
 * proc_tree_usage (proc.h), which takes the first and falls back on the
 * second. */
#ifndef SURGE_WATCH_PROC_INT_H
#define SURGE_WATCH_PROC_INT_H

#include "watch/proc.h"

/* Down the /proc/PID/task/TID/children files: costs the tree's size.
 * -1 when the root does not exist, -2 when the kernel has no such files. */
int proc_tree_by_children(pid_t root, proc_usage *out);

/* Every /proc/PID/stat of the machine: works on any Linux. -1 when the
 * root does not exist. */
int proc_tree_by_scan(pid_t root, proc_usage *out);

#endif
