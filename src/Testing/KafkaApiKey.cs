namespace Kafka.Typed.Testing;

/// <summary>
/// Kafka protocol request types (API keys), as used by the embedded broker's fault injection
/// (<see cref="EmbeddedKafkaCluster.PushRequestErrors(KafkaApiKey, Confluent.Kafka.ErrorCode[])"/>)
/// and request tracking (<see cref="EmbeddedKafkaCluster.CountRequests(KafkaApiKey)"/>).
/// </summary>
/// <remarks>
/// The values are the wire protocol's API keys. The embedded broker implements only a subset of
/// them (produce, fetch, metadata, offsets, consumer groups, idempotence and transactions); keys
/// for controller-to-broker and KRaft requests are listed for completeness.
/// </remarks>
public enum KafkaApiKey : short
{
    /// <summary>Produce (0).</summary>
    Produce = 0,

    /// <summary>Fetch (1).</summary>
    Fetch = 1,

    /// <summary>ListOffsets (2).</summary>
    ListOffsets = 2,

    /// <summary>Metadata (3).</summary>
    Metadata = 3,

    /// <summary>LeaderAndIsr (4), controller to broker.</summary>
    LeaderAndIsr = 4,

    /// <summary>StopReplica (5), controller to broker.</summary>
    StopReplica = 5,

    /// <summary>UpdateMetadata (6), controller to broker.</summary>
    UpdateMetadata = 6,

    /// <summary>ControlledShutdown (7).</summary>
    ControlledShutdown = 7,

    /// <summary>OffsetCommit (8).</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetch (9).</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinator (10).</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroup (11), classic consumer group protocol.</summary>
    JoinGroup = 11,

    /// <summary>Heartbeat (12), classic consumer group protocol.</summary>
    Heartbeat = 12,

    /// <summary>LeaveGroup (13), classic consumer group protocol.</summary>
    LeaveGroup = 13,

    /// <summary>SyncGroup (14), classic consumer group protocol.</summary>
    SyncGroup = 14,

    /// <summary>DescribeGroups (15).</summary>
    DescribeGroups = 15,

    /// <summary>ListGroups (16).</summary>
    ListGroups = 16,

    /// <summary>SaslHandshake (17).</summary>
    SaslHandshake = 17,

    /// <summary>ApiVersions (18).</summary>
    ApiVersions = 18,

    /// <summary>CreateTopics (19).</summary>
    CreateTopics = 19,

    /// <summary>DeleteTopics (20).</summary>
    DeleteTopics = 20,

    /// <summary>DeleteRecords (21).</summary>
    DeleteRecords = 21,

    /// <summary>InitProducerId (22), idempotent and transactional producers.</summary>
    InitProducerId = 22,

    /// <summary>OffsetForLeaderEpoch (23).</summary>
    OffsetForLeaderEpoch = 23,

    /// <summary>AddPartitionsToTxn (24).</summary>
    AddPartitionsToTxn = 24,

    /// <summary>AddOffsetsToTxn (25).</summary>
    AddOffsetsToTxn = 25,

    /// <summary>EndTxn (26).</summary>
    EndTxn = 26,

    /// <summary>WriteTxnMarkers (27).</summary>
    WriteTxnMarkers = 27,

    /// <summary>TxnOffsetCommit (28).</summary>
    TxnOffsetCommit = 28,

    /// <summary>DescribeAcls (29).</summary>
    DescribeAcls = 29,

    /// <summary>CreateAcls (30).</summary>
    CreateAcls = 30,

    /// <summary>DeleteAcls (31).</summary>
    DeleteAcls = 31,

    /// <summary>DescribeConfigs (32).</summary>
    DescribeConfigs = 32,

    /// <summary>AlterConfigs (33).</summary>
    AlterConfigs = 33,

    /// <summary>AlterReplicaLogDirs (34).</summary>
    AlterReplicaLogDirs = 34,

    /// <summary>DescribeLogDirs (35).</summary>
    DescribeLogDirs = 35,

    /// <summary>SaslAuthenticate (36).</summary>
    SaslAuthenticate = 36,

    /// <summary>CreatePartitions (37).</summary>
    CreatePartitions = 37,

    /// <summary>CreateDelegationToken (38).</summary>
    CreateDelegationToken = 38,

    /// <summary>RenewDelegationToken (39).</summary>
    RenewDelegationToken = 39,

    /// <summary>ExpireDelegationToken (40).</summary>
    ExpireDelegationToken = 40,

    /// <summary>DescribeDelegationToken (41).</summary>
    DescribeDelegationToken = 41,

    /// <summary>DeleteGroups (42).</summary>
    DeleteGroups = 42,

    /// <summary>ElectLeaders (43).</summary>
    ElectLeaders = 43,

    /// <summary>IncrementalAlterConfigs (44).</summary>
    IncrementalAlterConfigs = 44,

    /// <summary>AlterPartitionReassignments (45).</summary>
    AlterPartitionReassignments = 45,

    /// <summary>ListPartitionReassignments (46).</summary>
    ListPartitionReassignments = 46,

    /// <summary>OffsetDelete (47).</summary>
    OffsetDelete = 47,

    /// <summary>DescribeClientQuotas (48).</summary>
    DescribeClientQuotas = 48,

    /// <summary>AlterClientQuotas (49).</summary>
    AlterClientQuotas = 49,

    /// <summary>DescribeUserScramCredentials (50).</summary>
    DescribeUserScramCredentials = 50,

    /// <summary>AlterUserScramCredentials (51).</summary>
    AlterUserScramCredentials = 51,

    /// <summary>Vote (52), KRaft.</summary>
    Vote = 52,

    /// <summary>BeginQuorumEpoch (53), KRaft.</summary>
    BeginQuorumEpoch = 53,

    /// <summary>EndQuorumEpoch (54), KRaft.</summary>
    EndQuorumEpoch = 54,

    /// <summary>DescribeQuorum (55), KRaft.</summary>
    DescribeQuorum = 55,

    /// <summary>AlterPartition (56), formerly AlterIsr.</summary>
    AlterPartition = 56,

    /// <summary>UpdateFeatures (57).</summary>
    UpdateFeatures = 57,

    /// <summary>Envelope (58).</summary>
    Envelope = 58,

    /// <summary>FetchSnapshot (59), KRaft.</summary>
    FetchSnapshot = 59,

    /// <summary>DescribeCluster (60).</summary>
    DescribeCluster = 60,

    /// <summary>DescribeProducers (61).</summary>
    DescribeProducers = 61,

    /// <summary>BrokerRegistration (62), KRaft.</summary>
    BrokerRegistration = 62,

    /// <summary>BrokerHeartbeat (63), KRaft.</summary>
    BrokerHeartbeat = 63,

    /// <summary>UnregisterBroker (64).</summary>
    UnregisterBroker = 64,

    /// <summary>DescribeTransactions (65).</summary>
    DescribeTransactions = 65,

    /// <summary>ListTransactions (66).</summary>
    ListTransactions = 66,

    /// <summary>AllocateProducerIds (67).</summary>
    AllocateProducerIds = 67,

    /// <summary>ConsumerGroupHeartbeat (68), the KIP-848 consumer group protocol.</summary>
    ConsumerGroupHeartbeat = 68,

    /// <summary>ConsumerGroupDescribe (69), the KIP-848 consumer group protocol.</summary>
    ConsumerGroupDescribe = 69,

    /// <summary>ControllerRegistration (70), KRaft.</summary>
    ControllerRegistration = 70,

    /// <summary>GetTelemetrySubscriptions (71), KIP-714.</summary>
    GetTelemetrySubscriptions = 71,

    /// <summary>PushTelemetry (72), KIP-714.</summary>
    PushTelemetry = 72,

    /// <summary>AssignReplicasToDirs (73).</summary>
    AssignReplicasToDirs = 73,

    /// <summary>ListClientMetricsResources (74).</summary>
    ListClientMetricsResources = 74,

    /// <summary>DescribeTopicPartitions (75).</summary>
    DescribeTopicPartitions = 75,

    /// <summary>ShareGroupHeartbeat (76), KIP-932 share groups.</summary>
    ShareGroupHeartbeat = 76,

    /// <summary>ShareGroupDescribe (77), KIP-932 share groups.</summary>
    ShareGroupDescribe = 77,

    /// <summary>ShareFetch (78), KIP-932 share groups.</summary>
    ShareFetch = 78,

    /// <summary>ShareAcknowledge (79), KIP-932 share groups.</summary>
    ShareAcknowledge = 79,
}
