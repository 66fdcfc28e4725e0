/** Largest unit file accepted, in bytes (512 KiB). Larger input is rejected unread. */
export const MAX_UNIT_FILE_BYTES: number = 512 * 1024;

/**
 * Longest line accepted, in bytes, counting the line's newline as POSIX `LINE_MAX` does
 * (systemd's and fleet's limit): a line may hold at most 2047 bytes before its newline.
 */
export const MAX_LINE_BYTES: number = 2048;
