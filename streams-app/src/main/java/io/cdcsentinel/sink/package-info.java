/**
 * The ClickHouse sink: {@code conversation-labels} (Kafka, Avro) into the ClickHouse table
 * {@code conversation_labels}, every record written exactly once, physically, across crashes,
 * restarts and rebalances, without transactions or insert deduplication (18.16 has neither).
 *
 * <table>
 *   <caption>Classes</caption>
 *   <tr><th>class</th><th>role</th></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.ClickHouseSink}</td><td>life cycle, consumer loop, the order of a batch's steps, the one INSERT in flight, commits, rebalances; the API {@code run} and {@code bench} use</td></tr>
 *   <tr><td>{@code PartitionBuffers}</td><td>batching: records per partition until {@code sink.batch.size} or {@code sink.batch.linger}</td></tr>
 *   <tr><td>{@code LabelDecoder}</td><td>records to labels: tombstones skipped, bad records to dead letters, an unreachable registry retried</td></tr>
 *   <tr><td>{@code BatchWriter}</td><td>the INSERTs under their fixed query ids, the retry that first re-reads what ClickHouse holds, the legacy delete mutations, {@code withRetries}</td></tr>
 *   <tr><td>{@code ResumePosition}</td><td>where an assigned partition resumes: {@code max(max(kafka_offset) + 1, committed)}, the rules below</td></tr>
 *   <tr><td>{@code SinkStore}</td><td>the requests {@code BatchWriter} and the resume make ({@link io.cdcsentinel.sink.LabelStore} is the real one)</td></tr>
 *   <tr><td>{@code CloseSignal}, {@code SinkCounters}</td><td>what the parts share: the close request every wait watches, the counters of {@link io.cdcsentinel.sink.SinkProgress}</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.LabelTable}</td><td>the table's DDL (both layouts) and every SQL statement, pure</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.LabelRowEncoder}</td><td>label + (topic, partition, offset) to one {@code JSONEachRow} line; the mapping table</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.LabelStore}</td><td>the {@code client-v2} requests (HTTP, no compression, no client retries)</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.ClickHouseErrors}</td><td>which failures are retried: the explicit list of server error codes</td></tr>
 *   <tr><td>{@link io.cdcsentinel.sink.DeadLetters}</td><td>original records to {@code sentinel-dlq} with KIP-1034 headers</td></tr>
 * </table>
 * The sink's benchmark against raw {@code INSERT ... FORMAT JSONEachRow} ({@code SinkBenchmark}) is in the
 * {@code bench} module, package {@code io.cdcsentinel.bench}.
 *
 * <h2>Design: the Kafka position lives in the rows</h2>
 * Every row carries the Kafka coordinates it was read from ({@code kafka_topic, kafka_partition,
 * kafka_offset}), so the data and the sink's progress are written by the same INSERT and cannot
 * disagree. The sink never trusts the consumer group alone: when it is assigned a partition it resumes at
 * {@code max(max(kafka_offset) + 1, committed offset)} of that partition, read from ClickHouse.
 *
 * <p>Facts it relies on, each checked against the real 18.16 server:
 * <ol>
 *   <li><b>An INSERT commits all of its rows, none, or a prefix.</b> The table is not partitioned, and an
 *       INSERT of fewer rows than {@code max_insert_block_size} (set above the batch size on every INSERT)
 *       becomes one block, one part, published by one rename. But a request whose body is cut off (the
 *       sink killed mid-send) is <em>not</em> all-or-nothing: if the connection closes exactly at a row
 *       boundary, 18.16 takes it as the end of the data and commits the rows before the cut (observed with
 *       both chunked and Content-Length bodies; a cut inside a row aborts the INSERT). Either way what
 *       lands is a prefix of the INSERT's rows, which are in offset order.</li>
 *   <li><b>INSERTs of one partition never overlap.</b> Every INSERT for partition {@code p} of the topic
 *       runs under the same {@code query_id} ({@link io.cdcsentinel.sink.LabelTable#insertQueryId}), and
 *       ClickHouse refuses a query whose id is already running (error 216): a server-side lock shared by all
 *       sink processes. Within a process at most one INSERT runs at a time (the next batch is prepared
 *       while it runs). A new owner of a partition, and every retry, first waits until no INSERT with that
 *       id runs (a killed process, or an attempt that timed out on the client, may leave one that still
 *       commits), and only then reads {@code max(kafka_offset)}.</li>
 *   <li><b>The committed offset is a floor, never ahead.</b> The sink commits the offset after a batch
 *       only when ClickHouse has acknowledged the batch's INSERT and the dead-letter topic has acknowledged
 *       the batch's bad records (those are sent before the INSERT starts).</li>
 * </ol>
 *
 * <h2>Why every record is written once (replacing layout)</h2>
 * <p><i>No duplicate.</i> Suppose the row of offset {@code o} of partition {@code p} were written by an INSERT
 * A and again by a later INSERT B. A and B do not overlap (fact 2), so when B starts, {@code o} is in the
 * table and {@code max(kafka_offset) >= o}. But every row of B has an offset above the maximum the table held
 * when B's rows were chosen: after an assignment the sink reads from {@code max + 1} (or a higher committed
 * offset), after a successful INSERT it reads on, and before every retry it re-reads the maximum and drops
 * the rows at or below it (the failed attempt may have landed in full or as a prefix, fact 1). Hence B
 * cannot hold {@code o}.
 *
 * <p><i>No loss.</i> The consumer moves past offset {@code o} only by handing the record to a batch. The
 * batch either lands (or its prefix, with the rest retried), or its record is dead-lettered, or the sink
 * stops without committing anything past it. A restarted or new owner resumes at {@code max(M + 1, C)}. The
 * committed offset {@code C} is not past {@code o} unless {@code o} was handled (fact 3). {@code M}, the
 * largest offset in the table, is not past {@code o} unless {@code o} is in the table: a row with a larger
 * offset comes from the same INSERT as {@code o} (then {@code o}, earlier in it, landed with that prefix) or
 * from a later one (started only after {@code o}'s INSERT was acknowledged).
 *
 * <p>A DELETE label is a row with {@code is_deleted = 1}; a tombstone (null value) writes nothing. A
 * record that cannot be decoded, or whose values the table cannot hold, goes to the dead-letter topic with
 * topic/partition/offset headers; a registry that cannot be reached is retried, not dead-lettered.
 *
 * <h2>Legacy layout</h2>
 * With the old sorting key ({@code toStartOfHour(conversation_end_time), agent_user_id, ...}) a correction
 * gets a different key, so the sink deletes the conversation's rows ({@code ALTER TABLE ... DELETE}, waiting
 * on {@code system.mutations}: 18.16 has no {@code mutations_sync}) after the previous INSERT has landed and
 * before inserting the batch, whose rows are collapsed to the last label per conversation. The argument
 * above holds for the rows that remain: deleting can only lower {@code M}, so the sink may read again records
 * whose rows were deleted (never ones whose rows exist), and their later correction deletes them again.
 * At quiescence every conversation has one row. The pair delete + INSERT is not atomic: between the two a
 * corrected conversation is briefly absent. Mutations run in the server's merge pool, so with merges
 * stopped ({@code SYSTEM STOP MERGES}) a batch with corrections waits until {@code sink.mutation.timeout} and
 * the sink stops.
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>A <em>zombie</em>, a sink process that lost its partitions without knowing it (a pause longer than
 *       {@code session.timeout.ms} between two polls), can start one INSERT after the new owner read the
 *       table: one duplicate physical row of the same version, invisible in {@code FINAL} and removed by the
 *       next merge. It cannot lose a record.</li>
 *   <li>The lock and the wait use one server's {@code system.processes}: point every sink instance of a
 *       table at the same ClickHouse server (per shard).</li>
 *   <li>One consumer group per table and topic; two groups writing the same table both resume from it and
 *       race.</li>
 *   <li>A table that holds no row of the topic is filled from the beginning whatever the group committed
 *       (a new or re-created table). A table that holds offsets beyond the end of the partition (the topic
 *       was re-created) stops the sink with a message instead of silently skipping data.</li>
 *   <li>On 18.16, {@code client-v2} cannot read error codes (the server sends no
 *       {@code X-ClickHouse-Exception-Code}); the sink then retries HTTP 5xx and fails fast on 4xx.</li>
 * </ul>
 */
package io.cdcsentinel.sink;
