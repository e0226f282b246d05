package dev.eddy.engine;

/** What order a function's records are handled in. */
public enum Ordering {
    /**
     * Records of one key in order, one after the other; records of different keys concurrently, also within one
     * partition, up to the function's max concurrency. Records without a key keep their partition's order. The
     * default.
     */
    KEY,
    /** Records of one partition strictly in order; partitions concurrently. Concurrency is the partition count. */
    PARTITION,
    /** No order: records are handled concurrently as they come, up to the function's max concurrency. */
    UNORDERED
}
