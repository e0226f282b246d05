package dev.eddy.engine;

/**
 * A handler whose resources follow how many workers its function runs on this engine, as the scaling controller
 * decides: the engine tells it of every change, 0 when the function scaled to zero (and when it was deployed at
 * zero), and 1 again when a record woke it. The processes of a Python or Node.js function are sized this way.
 *
 * <p>Threading: called by the engine holding the function's lock; it must not block (start and stop things in the
 * background).
 */
public interface FollowsWorkers {

    /** The function runs this many workers here now. */
    void workers(int count);
}
