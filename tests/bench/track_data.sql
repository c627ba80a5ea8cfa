-- SPDX-License-Identifier: GPL-2.0-or-later
-- The track benchmarks' records (bench_track.sh, bench_track_compare.sh):
-- :records step records, 4 a job (extern holds the job's share; batch and
-- two srun steps their own; the batch step held a GPU), 40 projects, 400
-- users, 7 tags, a job a minute from 2026-01-01 (1 M records: January to
-- June), each record with one hour bucket. Written directly (the plugin's
-- writer path is measured by bench_storage.sh); from sql/023 on they wait
-- in the default partition until db upgrade makes their months' partitions.
-- Usage: psql -v records=N -f tests/bench/track_data.sql CONNINFO
INSERT INTO carbon.step_energy
    (cluster, job_id, job_start, step, node, uid, user_name, project, tag, start_time, end_time,
     cpu_j, dram_j, gpu_j, other_j, samples, method, partial,
     job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s, split, hours,
     cpu_model, alloc_cpus, gpu_model, gpus)
SELECT 'bench', i / 4, h, (ARRAY['extern', 'batch', '0', '1'])[i % 4 + 1], 'n' || (i / 4) % 500,
       1000 + (i / 4) % 400, 'user' || (i / 4) % 400, 'project' || (i / 4) % 40, 'tag' || (i / 4) % 7,
       h, h + interval '50 minutes', 100000, 10000, 0, 0, 300, 'rapl', false,
       CASE WHEN i % 4 = 0 THEN 400000 ELSE 0 END, CASE WHEN i % 4 = 0 THEN 40000 ELSE 0 END,
       0, 0, 0, 1800, 'cgroup-v1',
       CASE WHEN i % 4 = 0 THEN jsonb_build_array(jsonb_build_object('hour',
            to_char(h, 'YYYY-MM-DD"T"HH24:00:00"Z"'), 'cpu_j', 400000, 'dram_j', 40000,
            'gpu_j', 0, 'other_j', 0)) ELSE '[]'::jsonb END,
       'Bench CPU', 8, CASE WHEN i % 4 = 1 THEN 'Bench GPU' END, CASE WHEN i % 4 = 1 THEN 1 ELSE 0 END
FROM generate_series(0, :records - 1) AS i,
     LATERAL (SELECT timestamptz '2026-01-01 00:00Z' + (i / 4) * interval '1 minute' AS h) t;
ANALYZE carbon.step_energy;
