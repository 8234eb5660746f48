using System.Linq.Expressions;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// Combines LINQ predicates into one SQL condition (EF Core translates the result). Each part keeps its
/// own captured, hence parameterized, values, so one query can apply a different bound per room.
/// </summary>
internal static class PredicateBuilder
{
    /// <summary>Any of the predicates; none at all matches nothing.</summary>
    public static Expression<Func<T, bool>> Any<T>(IEnumerable<Expression<Func<T, bool>>> predicates)
    {
        var parameter = Expression.Parameter(typeof(T), "x");
        Expression? body = null;
        foreach (var predicate in predicates)
        {
            var part = new Rebind(predicate.Parameters[0], parameter).Visit(predicate.Body);
            body = body is null ? part : Expression.OrElse(body, part);
        }

        return Expression.Lambda<Func<T, bool>>(body ?? Expression.Constant(false), parameter);
    }

    public static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> predicate) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(predicate.Body), predicate.Parameters);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
